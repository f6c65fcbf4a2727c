import { replayableConsumer } from './dead-letter-replay.js';
import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, Authenticated, CurrentCaller, ForCustomers, OperatorOnly, assertOwnResource, cursorFormat, identifierSchema, IsIdentifier, PageQuery, pageOf, pageRequest, reachesCustomer, type Caller, type Page } from '@stockflow/platform';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import type { StockStatus } from '../domain/index.js';
import { fromRecord, cartsTable, customerOrdersTable, notificationDeliveriesTable, skuActivityTable, skuWaitingTable, stockTable } from '../engine/read-model-tables.js';
import { ProjectionsContext } from './projections-context.js';
import {
  CartView,
  ChannelDeliveriesView,
  DeadLetterView,
  deliveriesPerChannel,
  SkuDetailView,
  OrderSummaryView,
  STOCK_STATUSES,
  StockView,
  toCartView,
  toOrderSummaryView,
  toStockView,
} from './views.js';

/** `GET /views/stock`'s orders: by SKU, or most recently changed first. */
export const STOCK_ORDERS = ['sku', 'recent'] as const;

export class StockListQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Only SKUs in these statuses, comma-separated (e.g. `out-of-stock,low-stock`: what needs attention)',
    example: 'out-of-stock,low-stock',
    type: String,
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? [...new Set(value.split(',').map((s) => s.trim()))] : value))
  @IsArray()
  @ArrayMaxSize(STOCK_STATUSES.length)
  @IsIn(STOCK_STATUSES as StockStatus[], { each: true, message: `status must be a comma-separated list of ${STOCK_STATUSES.join(', ')}` })
  status?: StockStatus[];

  @ApiPropertyOptional({ description: 'Search: SKUs that start with it or whose name contains it (case-insensitive)', example: 'lamp', maxLength: 64 })
  @IsOptional()
  @IsString()
  @Matches(/^[\p{L}\p{N} ._:-]{1,64}$/u, { message: 'q must be 1 to 64 letters, digits, spaces or . _ : -' })
  q?: string;

  @ApiPropertyOptional({ enum: STOCK_ORDERS, default: 'sku', description: '`sku`: by SKU; `recent`: most recently changed first' })
  @IsOptional()
  @IsIn(STOCK_ORDERS as unknown as string[])
  order?: (typeof STOCK_ORDERS)[number];
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
const stockRecentCursor = cursorFormat('views.stock.recent', ['timestamp', 'text'] as const);
const customerOrdersCursor = cursorFormat('views.customer-orders', ['timestamp', 'text'] as const);
const deliveriesCursor = cursorFormat('views.deliveries', ['text'] as const);
const deadLettersCursor = cursorFormat('views.dead-letters', ['text'] as const);

/** updated_at to the microsecond, so that the next page starts exactly after the last row. */
const UPDATED_AT_KEY = `to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at_key`;

/** A LIKE pattern that matches `text` literally. */
const likeEscape = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** placed_at to the microsecond, so that the next page starts exactly after the last row. */
const PLACED_AT_KEY = `to_char(placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS placed_at_key`;

@ApiTags('views')
@Controller('views')
export class ViewsController {
  constructor(@Inject(ProjectionsContext) private readonly ctx: ProjectionsContext) {}

  @Get('stock')
  @Authenticated()
  @ApiOperation({ operationId: 'listStock', summary: 'Stock per SKU: by SKU or most recently changed first, filtered by status, searched by SKU or name' })
  @ApiPageResponse(StockView)
  async stock(@Query() query: StockListQuery): Promise<Page<StockView>> {
    const recent = query.order === 'recent';
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.status !== undefined) where.push(`status = ANY($${params.push(query.status)}::text[])`);
    if (query.q !== undefined) {
      // A SKU prefix uses the lower(sku) index; a name's substring is a scan, bounded by the page's LIMIT.
      const q = query.q.toLowerCase();
      where.push(`(lower(sku) LIKE $${params.push(`${likeEscape(q)}%`)} OR strpos(lower(name), $${params.push(q)}) > 0)`);
    }
    const table = `${this.ctx.schema}.${stockTable.table}`;
    if (recent) {
      const { limit, after } = pageRequest(stockRecentCursor, query);
      if (after !== null) where.push(`(updated_at, sku) < ($${params.push(after[0])}::timestamptz, $${params.push(after[1])}::text)`);
      const { rows } = await this.ctx.pool.query(
        `SELECT *, ${UPDATED_AT_KEY} FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, sku DESC LIMIT $${params.push(limit + 1)}`,
        params,
      );
      return pageOf(stockRecentCursor, rows, limit, (r) => [r.updated_at_key as string, r.sku as string], (r) => toStockView(fromRecord(stockTable, r)));
    }
    const { limit, after } = pageRequest(stockCursor, query);
    if (after !== null) where.push(`sku > $${params.push(after[0])}`);
    const { rows } = await this.ctx.pool.query(`SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sku LIMIT $${params.push(limit + 1)}`, params);
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

  @Get('stock/:sku/detail')
  @OperatorOnly()
  @ApiOperation({ operationId: 'getSkuDetail', summary: "One SKU's stock, recent events, open reservations and waiting subscribers" })
  @ApiOkResponse({ type: SkuDetailView })
  async skuDetail(@Param() params: SkuParams): Promise<SkuDetailView> {
    const s = this.ctx.schema;
    const [stock, activity, waiting] = await Promise.all([
      this.ctx.pool.query(`SELECT * FROM ${s}.${stockTable.table} WHERE sku = $1`, [params.sku]),
      this.ctx.pool.query(`SELECT * FROM ${s}.${skuActivityTable.table} WHERE sku = $1`, [params.sku]),
      this.ctx.pool.query<{ waiting: number }>(`SELECT waiting FROM ${s}.${skuWaitingTable.table} WHERE sku = $1`, [params.sku]),
    ]);
    if (!stock.rows[0]) throw new NotFoundException(`no stock view for SKU ${params.sku}`);
    const row = activity.rows[0] ? fromRecord(skuActivityTable, activity.rows[0]) : undefined;
    return {
      stock: toStockView(fromRecord(stockTable, stock.rows[0])),
      recent: [...(row?.recent ?? [])],
      reservations: Object.entries(row?.reservations ?? {})
        .map(([orderId, quantity]) => ({ orderId, quantity }))
        .sort((a, b) => b.quantity - a.quantity || a.orderId.localeCompare(b.orderId)),
      waiting: waiting.rows[0]?.waiting ?? 0,
    };
  }

  /** Consumers that gave up on messages, one item each, ordered by consumer (a stable key to page by, like every list). */
  @Get('dead-letters')
  @OperatorOnly()
  @ApiOperation({ operationId: 'listDeadLetters', summary: 'Dead letters per consumer: how many, first and last seen, the newest reason' })
  @ApiPageResponse(DeadLetterView)
  async deadLetters(@Query() query: PageQuery): Promise<Page<DeadLetterView>> {
    const { limit, after } = pageRequest(deadLettersCursor, query);
    const rows = (await this.ctx.deadLetters())
      .sort((a, b) => a.consumer.localeCompare(b.consumer))
      .filter((d) => after === null || d.consumer > after[0])
      .slice(0, limit + 1);
    return pageOf(deadLettersCursor, rows, limit, (d) => [d.consumer], (d) => ({ ...d, replayable: replayableConsumer(d.consumer) }));
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
