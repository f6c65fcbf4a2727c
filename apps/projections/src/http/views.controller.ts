import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { StockStatus } from '../domain/index.js';
import { fromRecord, cartsTable, customerOrdersTable, notificationDeliveriesTable, stockTable } from '../engine/read-model-tables.js';
import { ProjectionsContext } from './projections-context.js';
import { deliveriesPerChannel, STOCK_STATUSES, toCartView, toOrderSummaryView, toStockView, type ChannelDeliveriesView, type StockView } from './views.js';

export class StockListQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  /** The last SKU of the previous page (`nextCursor`). */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;

  @IsOptional()
  @IsIn(STOCK_STATUSES as StockStatus[])
  status?: StockStatus;
}

export class IdParams {
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/)
  id!: string;
}

export class SkuParams {
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/)
  sku!: string;
}

@ApiTags('views')
@Controller('views')
export class ViewsController {
  constructor(@Inject(ProjectionsContext) private readonly ctx: ProjectionsContext) {}

  /** Stock per SKU, ordered by SKU, keyset-paged (`nextCursor` is null on the last page). */
  @Get('stock')
  async stock(@Query() query: StockListQuery): Promise<{ items: StockView[]; nextCursor: string | null }> {
    const limit = query.limit ?? 50;
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (query.cursor !== undefined) where.push(`sku > $${params.push(query.cursor)}`);
    if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`);
    const { rows } = await this.ctx.pool.query(
      `SELECT * FROM ${this.ctx.schema}.${stockTable.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sku LIMIT $1`,
      params,
    );
    const items = rows.slice(0, limit).map((r) => toStockView(fromRecord(stockTable, r)));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.sku : null };
  }

  @Get('stock/:sku')
  async stockOf(@Param() params: SkuParams): Promise<StockView> {
    const { rows } = await this.ctx.pool.query(`SELECT * FROM ${this.ctx.schema}.${stockTable.table} WHERE sku = $1`, [params.sku]);
    if (!rows[0]) throw new NotFoundException(`no stock view for SKU ${params.sku}`);
    return toStockView(fromRecord(stockTable, rows[0]));
  }

  /** A customer's orders, newest first (up to 200). */
  @Get('customers/:id/orders')
  async customerOrders(@Param() params: IdParams): Promise<{ customerId: string; orders: unknown[] }> {
    const { rows } = await this.ctx.pool.query(
      `SELECT * FROM ${this.ctx.schema}.${customerOrdersTable.table} WHERE customer_id = $1 ORDER BY placed_at DESC, order_id DESC LIMIT 200`,
      [params.id],
    );
    return { customerId: params.id, orders: rows.map((r) => toOrderSummaryView(fromRecord(customerOrdersTable, r))) };
  }

  @Get('carts/:id')
  async cart(@Param() params: IdParams): Promise<unknown> {
    const { rows } = await this.ctx.pool.query(`SELECT * FROM ${this.ctx.schema}.${cartsTable.table} WHERE cart_id = $1`, [params.id]);
    if (!rows[0]) throw new NotFoundException(`no cart view for ${params.id}`);
    return toCartView(fromRecord(cartsTable, rows[0]));
  }

  /** Notification deliveries per channel (email, sms, web): delivered and failed, every channel listed. */
  @Get('notifications/deliveries')
  async deliveries(): Promise<{ channels: ChannelDeliveriesView[] }> {
    return { channels: await this.deliveriesPerChannel() };
  }

  /** Counts for dashboards: SKUs by status, orders by status, deliveries per channel. */
  @Get('summary')
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
