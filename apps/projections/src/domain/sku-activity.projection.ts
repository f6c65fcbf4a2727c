import { EVENT_CONSUMERS, type inventory } from '@stockflow/contracts';
import type { ProjectedEvent, Projection } from './projection.js';

/** One thing that happened to a SKU, as an operator reads it. */
export interface SkuActivityEntry {
  readonly type: string;
  readonly at: string;
  /** Units received, reserved, released or committed. */
  readonly quantity?: number;
  /** An adjustment's change and reason. */
  readonly delta?: number;
  readonly reason?: string;
  /** The order a reservation is for. */
  readonly orderId?: string;
  /** Available units, for BackInStock / LowStock. */
  readonly available?: number;
}

/** A SKU's recent activity and its open reservations (the dashboard's detail of one SKU). */
export interface SkuActivityRow {
  readonly sku: string;
  /** Newest first, at most RECENT_ACTIVITY entries. */
  readonly recent: readonly SkuActivityEntry[];
  /** Open reservations: order id → units held. */
  readonly reservations: Readonly<Record<string, number>>;
  readonly updatedAt: string;
}

export const RECENT_ACTIVITY = 15;

type Data<T extends inventory.SkuEvent['type']> = (inventory.SkuEvent & { type: T })['data'];

/**
 * The events shown, as the contracts list them for this projection's consumer (StockLevelChanged
 * follows every change of the figures: the stock view has it, the activity does not repeat it).
 */
const SHOWN = new Set(EVENT_CONSUMERS.find((consumer) => consumer.durable === 'projections-sku-activity')!.handles);

function entryOf(event: ProjectedEvent): SkuActivityEntry {
  const data = event.data as Record<string, unknown>;
  const entry: Record<string, unknown> = { type: event.type, at: event.occurredAt };
  for (const field of ['quantity', 'delta', 'reason', 'orderId', 'available'] as const) {
    if (data[field] !== undefined) entry[field] = data[field];
  }
  return entry as unknown as SkuActivityEntry;
}

/** The last inventory events of each SKU and the reservations still held for orders. */
export const skuActivityProjection: Projection<SkuActivityRow> = {
  name: 'sku_activity',
  sourceContext: 'inventory',
  aggregate: 'sku',
  keyOf(event: ProjectedEvent): string | null {
    if (!SHOWN.has(event.type)) return null;
    return (event.data as { sku: string }).sku;
  },
  apply(current: SkuActivityRow | undefined, event: ProjectedEvent): SkuActivityRow | undefined {
    const base: SkuActivityRow = current ?? { sku: (event.data as { sku: string }).sku, recent: [], reservations: {}, updatedAt: event.occurredAt };
    let reservations = base.reservations;
    if (event.type === 'StockReserved') {
      const data = event.data as Data<'StockReserved'>;
      reservations = { ...reservations, [data.orderId]: (reservations[data.orderId] ?? 0) + data.quantity };
    } else if (event.type === 'ReservationReleased' || event.type === 'ReservationCommitted') {
      const { orderId } = event.data as Data<'ReservationReleased'>;
      const { [orderId]: _ended, ...rest } = reservations;
      reservations = rest;
    }
    return { sku: base.sku, recent: [entryOf(event), ...base.recent].slice(0, RECENT_ACTIVITY), reservations, updatedAt: event.occurredAt };
  },
};
