import { ApiProperty } from '@nestjs/swagger';
import type { CartRow, ChannelDeliveriesRow, DeliveryChannel, OrderStatus, OrderSummaryRow, StockRow, StockStatus } from '../domain/index.js';

export const STOCK_STATUSES: readonly StockStatus[] = ['in-stock', 'low-stock', 'out-of-stock'];
const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'confirmed', 'rejected', 'cancelled'];
const CHANNELS: readonly DeliveryChannel[] = ['email', 'sms', 'web'];

class LineView {
  @ApiProperty({ example: 'TSHIRT-RED-M' })
  sku!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 2 })
  quantity!: number;
}

/** A SKU's availability as `GET /views/stock` lists it. */
export class StockView {
  @ApiProperty({ example: 'TSHIRT-RED-M' })
  sku!: string;

  @ApiProperty({ example: 'Red T-shirt, M' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  onHand!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  reserved!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  available!: number;

  @ApiProperty({ enum: STOCK_STATUSES })
  status!: StockStatus;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export function toStockView(row: StockRow): StockView {
  return { sku: row.sku, name: row.name, onHand: row.onHand, reserved: row.reserved, available: row.available, status: row.status, updatedAt: row.updatedAt };
}

/** One of a customer's orders as `GET /views/customers/:id/orders` lists it. */
export class OrderSummaryView {
  @ApiProperty({ format: 'uuid' })
  orderId!: string;

  @ApiProperty({ example: 'customer-42' })
  customerId!: string;

  @ApiProperty({ enum: ORDER_STATUSES })
  status!: OrderStatus;

  @ApiProperty({ type: [LineView] })
  lines!: LineView[];

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Units over all lines' })
  totalQuantity!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The cart the order was checked out from; null for a direct order' })
  cartId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it was rejected or cancelled' })
  reason!: string | null;

  @ApiProperty({ format: 'date-time' })
  placedAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export function toOrderSummaryView(row: OrderSummaryRow): OrderSummaryView {
  return { ...row, lines: row.lines.map(({ sku, quantity }) => ({ sku, quantity })) };
}

/** A cart as `GET /views/carts/:id` answers it. */
export class CartView {
  @ApiProperty({ format: 'uuid' })
  cartId!: string;

  @ApiProperty({ example: 'customer-42' })
  customerId!: string;

  @ApiProperty({ enum: ['open', 'checked-out'] })
  status!: CartRow['status'];

  @ApiProperty({ type: [LineView], description: 'Sorted by SKU' })
  lines!: LineView[];

  @ApiProperty({ type: String, nullable: true, description: 'The order placed at checkout; null while the cart is open' })
  orderId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export function toCartView(row: CartRow): CartView {
  return { ...row, lines: row.lines.map(({ sku, quantity }) => ({ sku, quantity })) };
}

/** Notification outcomes of one channel. */
export class ChannelDeliveriesView {
  @ApiProperty({ enum: CHANNELS })
  channel!: DeliveryChannel;

  @ApiProperty({ type: 'integer', minimum: 0 })
  delivered!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  failed!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'SMS accepted by the provider that it later reported undelivered or failed (ADR 0031)' })
  undelivered!: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Stock change to acceptance by the channel, of the last delivery' })
  lastLatencyMs!: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null while nothing went out on the channel' })
  updatedAt!: string | null;
}

/** Every channel, ordered by name; a channel nothing went out on yet shows zeros. */
export function deliveriesPerChannel(rows: readonly ChannelDeliveriesRow[]): ChannelDeliveriesView[] {
  const byChannel = new Map(rows.map((row) => [row.channel, row]));
  return CHANNELS.map((channel) => byChannel.get(channel) ?? { channel, delivered: 0, failed: 0, undelivered: 0, lastLatencyMs: null, updatedAt: null });
}

/** A change as sent to SSE clients: the same shapes as the query API. */
export function toChangeRows(view: string, rows: readonly unknown[]): unknown[] {
  if (view === 'stock') return rows.map((r) => toStockView(r as StockRow));
  return [...rows];
}

/** One thing that happened to a SKU. */
export class SkuActivityView {
  @ApiProperty({ example: 'StockReserved' })
  type!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ type: 'integer', required: false })
  quantity?: number;

  @ApiProperty({ type: 'integer', required: false, description: "An adjustment's change" })
  delta?: number;

  @ApiProperty({ required: false, description: "An adjustment's reason" })
  reason?: string;

  @ApiProperty({ required: false, format: 'uuid' })
  orderId?: string;

  @ApiProperty({ type: 'integer', required: false })
  available?: number;
}

export class ReservationView {
  @ApiProperty({ format: 'uuid' })
  orderId!: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  quantity!: number;
}

/** One SKU as an operator looks into it: its stock, what happened to it lately, what is held, who waits. */
export class SkuDetailView {
  @ApiProperty({ type: StockView })
  stock!: StockView;

  @ApiProperty({ type: [SkuActivityView], description: 'Newest first, at most 15' })
  recent!: SkuActivityView[];

  @ApiProperty({ type: [ReservationView], description: 'Reservations held for orders, largest first' })
  reservations!: ReservationView[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Customers subscribed and not yet told' })
  waiting!: number;
}

/** The dead letters of one consumer. */
export class DeadLetterView {
  @ApiProperty({ example: 'projections-stock' })
  consumer!: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  count!: number;

  @ApiProperty({ format: 'date-time' })
  firstSeenAt!: string;

  @ApiProperty({ format: 'date-time' })
  lastSeenAt!: string;

  @ApiProperty({ example: 'invalid-payload' })
  lastReason!: string;

  @ApiProperty({ description: "The newest one's error, one line" })
  lastError!: string;

  @ApiProperty({ description: 'Stream and subject the newest one came from' })
  lastSource!: string;

  @ApiProperty({ description: "Whether its dead letters can be replayed to it (POST /admin/dead-letters/{consumer}/replay); a projection's are remedied by a rebuild instead" })
  replayable!: boolean;
}
