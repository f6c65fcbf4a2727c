import type { notificationSubscription } from '@stockflow/contracts';
import type { ProjectedEvent, Projection } from './projection.js';

/** How many customers wait to hear about a SKU (subscriptions neither fulfilled nor cancelled). */
export interface SkuWaitingRow {
  readonly sku: string;
  readonly waiting: number;
  readonly updatedAt: string;
}

type Data = notificationSubscription.SubscriptionEvent['data'];

/**
 * A count, so applying an event twice would count it twice: the engine never does (it skips what is
 * at or below the checkpoint it commits with the rows), and a subscription ends once.
 */
export const skuWaitingProjection: Projection<SkuWaitingRow> = {
  name: 'sku_waiting',
  sourceContext: 'notifications',
  aggregate: 'subscription',
  keyOf(event: ProjectedEvent): string | null {
    if (event.type !== 'SubscriptionCreated' && event.type !== 'SubscriptionCancelled' && event.type !== 'SubscriptionFulfilled') return null;
    return (event.data as Data).sku;
  },
  apply(current: SkuWaitingRow | undefined, event: ProjectedEvent): SkuWaitingRow | undefined {
    const waiting = current?.waiting ?? 0;
    const change = event.type === 'SubscriptionCreated' ? 1 : -1;
    return { sku: (event.data as Data).sku, waiting: Math.max(0, waiting + change), updatedAt: event.occurredAt };
  },
};
