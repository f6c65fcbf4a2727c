import type { inventory } from '@stockflow/contracts';
import type { ProjectedEvent, Projection } from './projection.js';

export type StockStatus = 'in-stock' | 'low-stock' | 'out-of-stock';

export interface StockRow {
  readonly sku: string;
  readonly name: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
  readonly lowStockThreshold: number;
  readonly status: StockStatus;
  readonly updatedAt: string;
}

/** Out at 0 available; low at or below the threshold (never with a threshold of 0); else in stock. */
export function stockStatus(available: number, lowStockThreshold: number): StockStatus {
  if (available <= 0) return 'out-of-stock';
  if (available <= lowStockThreshold) return 'low-stock';
  return 'in-stock';
}

type Registered = inventory.SkuEvent & { type: 'SkuRegistered' };
type LevelChanged = inventory.SkuEvent & { type: 'StockLevelChanged' };

/** Stock availability per SKU: the name from SkuRegistered, the figures from StockLevelChanged. */
export const stockProjection: Projection<StockRow> = {
  name: 'stock',
  sourceContext: 'inventory',
  aggregate: 'sku',
  keyOf(event: ProjectedEvent): string | null {
    if (event.type !== 'SkuRegistered' && event.type !== 'StockLevelChanged') return null;
    return (event.data as { sku: string }).sku;
  },
  apply(current: StockRow | undefined, event: ProjectedEvent): StockRow | undefined {
    if (event.type === 'SkuRegistered') {
      const data = event.data as Registered['data'];
      const onHand = current?.onHand ?? 0;
      const reserved = current?.reserved ?? 0;
      const available = current?.available ?? 0;
      return { sku: data.sku, name: data.name, onHand, reserved, available, lowStockThreshold: data.lowStockThreshold, status: stockStatus(available, data.lowStockThreshold), updatedAt: event.occurredAt };
    }
    if (event.type === 'StockLevelChanged') {
      const data = event.data as LevelChanged['data'];
      const threshold = current?.lowStockThreshold ?? 0;
      return {
        sku: data.sku,
        name: current?.name ?? data.sku,
        onHand: data.onHand,
        reserved: data.reserved,
        available: data.available,
        lowStockThreshold: threshold,
        status: stockStatus(data.available, threshold),
        updatedAt: event.occurredAt,
      };
    }
    return current;
  },
};
