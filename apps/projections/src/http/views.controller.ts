import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, Authenticated, CurrentCaller, ForCustomers, OperatorOnly, assertOwnResource, cursorFormat, identifierSchema, IsIdentifier, PageQuery, pageOf, pageRequest, reachesCustomer, type Caller, type Page } from '@stockflow/platform';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import type { StockStatus } from '../domain/index.js';
import { fromRecord, cartsTable, customerOrdersTable, notificationDeliveriesTable, stockTable } from '../engine/read-model-tables.js';
import { ProjectionsContext } from './projections-context.js';
import {
  CartView,
  ChannelDeliveriesView,
  deliveriesPerChannel,
  OrderSummaryView,
  STOCK_STATUSES,
  StockView,
  toCartView,
  toOrderSummaryView,
  toStockView,
} from './views.js';

export class StockListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STOCK_STATUSES, description: 'Only SKUs in this status' })
  @IsOptional()
  @IsIn(STOCK_STATUSES as StockStatus[])
  status?: StockStatus;
}

export class IdParams {
  @ApiProperty({ ...identifierSchema('The customer or cart id'), example: 'customer-42' })
  @IsIdentifier()
  id!: string;
}

export class SkuParams {
  @ApiProperty({ pattern: '^[A-Za-z0-9._:-]{1,64}$', example: 'TSHIRT-RED-M' })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/)
  sku!: string;
}

const stockCursor = cursorFormat('views.stock', ['text'] as const);
const customerOrdersCursor = cursorFormat('views.customer-orders', ['timestamp', 'text'] as const);
const deliveriesCursor = cursorFormat('views.deliveries', ['text'] as const);

/** placed_at to the microsecond, so that the next page starts exactly after the last row. */
const PLACED_AT_KEY = `to_char(placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS placed_at_key`;

@ApiTags('views')
@Controller('views')
export class ViewsController {
  constructor(@Inject(ProjectionsContext) private readonly ctx: ProjectionsContext) {}

  @Get('stock')
  @Authenticated()
  @ApiOperation({ operationId: 'listStock', summary: 'Stock per SKU, ordered by SKU' })
  @ApiPageResponse(StockView)
  async stock(@Query() query: StockListQuery): Promise<Page<StockView>> {
    const { limit, after } = pageRequest(stockCursor, query);
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (after !== null) where.push(`sku > $${params.push(after[0])}`);
    if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`);
    const { rows } = await this.ctx.pool.query(
      `SELECT * FROM ${this.ctx.schema}.${stockTable.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sku LIMIT $1`,
      params,
    );
    return pageOf(stockCursor, rows, limit, (r) => [r.sku as string], (r) => toStockView(fromRecord(stockTable, r)));
  }

  @Get('stock/:sku')
  @Authenticated()
  @ApiOperation({ operationId: 'getStock', summary: "One SKU's stock" })
  @ApiOkResponse({ type: StockView })
  async stockOf(@Param() params: SkuParams): Promise<StockView> {
    const { rows } = await this.ctx.pool.query(`SELECT * FROM ${this.ctx.schema}.${stockTable.table} WHERE sku = $1`, [params.sku]);
    if (!rows[0]) throw new NotFoundException(`no stock view for SKU ${params.sku}`);
    return toStockView(fromRecord(stockTable, rows[0]));
  }

  @Get('customers/:id/orders')
  @ForCustomers()
  @ApiOperation({ operationId: 'listCustomerOrders', summary: "A customer's orders, newest first" })
  @ApiPageResponse(OrderSummaryView)
  async customerOrders(@Param() params: IdParams, @Query() query: PageQuery, @CurrentCaller() caller: Caller): Promise<Page<OrderSummaryView>> {
    assertOwnResource(caller, params.id, 'customer');
    const { limit, after } = pageRequest(customerOrdersCursor, query);
    const { rows } = await this.ctx.pool.query(
      `SELECT *, ${PLACED_AT_KEY} FROM ${this.ctx.schema}.${customerOrdersTable.table}
       WHERE customer_id = $1 AND ($2::timestamptz IS NULL OR (placed_at, order_id) < ($2::timestamptz, $3::text))
       ORDER BY placed_at DESC, order_id DESC LIMIT $4`,
      [params.id, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    return pageOf(customerOrdersCursor, rows, limit, (r) => [r.placed_at_key as string, r.order_id as string], (r) => toOrderSummaryView(fromRecord(customerOrdersTable, r)));
  }

  @Get('carts/:id')
  @ForCustomers()
  @ApiOperation({ operationId: 'getCartView', summary: 'A cart with its lines and status' })
  @ApiOkResponse({ type: CartView })
  async cart(@Param() params: IdParams, @CurrentCaller() caller: Caller): Promise<CartView> {
    const { rows } = await this.ctx.pool.query(`SELECT * FROM ${this.ctx.schema}.${cartsTable.table} WHERE cart_id = $1`, [params.id]);
    // Someone else's cart is answered as one that does not exist (ADR 0025).
    if (!rows[0] || !reachesCustomer(caller, rows[0].customer_id as string)) throw new NotFoundException(`no cart view for ${params.id}`);
    return toCartView(fromRecord(cartsTable, rows[0]));
  }

  /** Every channel (email, sms, web) is listed, ordered by name; three at most, paged like every list. */
  @Get('notifications/deliveries')
  @OperatorOnly()
  @ApiOperation({ operationId: 'listChannelDeliveries', summary: 'Notification deliveries per channel: delivered and failed' })
  @ApiPageResponse(ChannelDeliveriesView)
  async deliveries(@Query() query: PageQuery): Promise<Page<ChannelDeliveriesView>> {
    const { limit, after } = pageRequest(deliveriesCursor, query);
    const rows = (await this.deliveriesPerChannel()).filter((row) => after === null || row.channel > after[0]).slice(0, limit + 1);
    return pageOf(deliveriesCursor, rows, limit, (row) => [row.channel], (row) => row);
  }

  /** Counts for dashboards: SKUs by status, orders by status, deliveries per channel. */
  @Get('summary')
  @OperatorOnly()
  @ApiOperation({ operationId: 'getSummary', summary: 'Counts for dashboards' })
  async summary(): Promise<{ stock: Record<string, number>; orders: Record<string, number>; deliveries: ChannelDeliveriesView[]; projections: unknown }> {
    const [stock, orders, deliveries] = await Promise.all([
      this.ctx.pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM ${this.ctx.schema}.${stockTable.table} GROUP BY status`),
      this.ctx.pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM ${this.ctx.schema}.${customerOrdersTable.table} GROUP BY status`),
      this.deliveriesPerChannel(),
    ]);
    return {
      stock: Object.fromEntries(stock.rows.map((r) => [r.status, r.n])),
      orders: Object.fromEntries(orders.rows.map((r) => [r.status, r.n])),
      deliveries,
      projections: this.ctx.metrics.snapshot(),
    };
  }

  private async deliveriesPerChannel(): Promise<ChannelDeliveriesView[]> {
    const { rows } = await this.ctx.pool.query(`SELECT * FROM ${this.ctx.schema}.${notificationDeliveriesTable.table}`);
    return deliveriesPerChannel(rows.map((r) => fromRecord(notificationDeliveriesTable, r)));
  }
}
