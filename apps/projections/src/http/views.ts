import type { CartRow, ChannelDeliveriesRow, DeliveryChannel, OrderSummaryRow, StockRow, StockStatus } from '../domain/index.js';

export const STOCK_STATUSES: readonly StockStatus[] = ['in_stock', 'low_stock', 'out_of_stock'];

export interface StockView {
  sku: string;
  name: string;
  onHand: number;
  reserved: number;
  available: number;
  status: StockStatus;
  updatedAt: string;
}

export function toStockView(row: StockRow): StockView {
  return { sku: row.sku, name: row.name, onHand: row.onHand, reserved: row.reserved, available: row.available, status: row.status, updatedAt: row.updatedAt };
}

export function toOrderSummaryView(row: OrderSummaryRow): OrderSummaryRow {
  return { ...row };
}

export function toCartView(row: CartRow): CartRow {
  return { ...row };
}

export interface ChannelDeliveriesView {
  channel: DeliveryChannel;
  delivered: number;
  failed: number;
  lastLatencyMs: number | null;
  /** Null while nothing went out on the channel. */
  updatedAt: string | null;
}

const CHANNELS: readonly DeliveryChannel[] = ['email', 'sms', 'web'];

/** Every channel, in a fixed order; a channel nothing went out on yet shows zeros. */
export function deliveriesPerChannel(rows: readonly ChannelDeliveriesRow[]): ChannelDeliveriesView[] {
  const byChannel = new Map(rows.map((row) => [row.channel, row]));
  return CHANNELS.map((channel) => byChannel.get(channel) ?? { channel, delivered: 0, failed: 0, lastLatencyMs: null, updatedAt: null });
}

/** A change as sent to SSE clients: the same shapes as the query API. */
export function toChangeRows(view: string, rows: readonly unknown[]): unknown[] {
  if (view === 'stock') return rows.map((r) => toStockView(r as StockRow));
  return [...rows];
}
