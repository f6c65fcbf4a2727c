// Each projection takes exactly the event types the contracts say its consumer handles
// (EVENT_CONSUMERS: the AsyncAPI document's receive operations), checked through its own keyOf.
import { describe, expect, it } from '@jest/globals';
import { EVENT_CONSUMERS, stockflowCatalog } from '@stockflow/contracts';
import { cartProjection, customerOrdersProjection, notificationDeliveriesProjection, skuActivityProjection, skuWaitingProjection, stockProjection } from './index.js';
import type { Projection } from './projection.js';

const PROJECTIONS: ReadonlyArray<Projection<unknown>> = [stockProjection, customerOrdersProjection, cartProjection, notificationDeliveriesProjection, skuActivityProjection, skuWaitingProjection];
/** Every key a projection might read, so that keyOf answers for every type it takes. */
const ANY_DATA = { sku: 'SKU-1', orderId: 'o-1', cartId: 'c-1', customerId: 'u-1', subscriptionId: 's-1', channel: 'email' };

describe('the projections as consumers', () => {
  it.each(PROJECTIONS.map((p) => [p.name, p] as const))('%s takes exactly the types EVENT_CONSUMERS lists for it', (name, projection) => {
    const consumer = EVENT_CONSUMERS.find((c) => c.durable === `projections-${name.replace(/_/g, '-')}`);
    expect(consumer).toMatchObject({ process: 'projections', sourceContext: projection.sourceContext, aggregate: projection.aggregate });
    const offered = stockflowCatalog.definitions.filter((d) => d.context === projection.sourceContext && d.aggregate === projection.aggregate);
    const taken = offered.filter((d) => projection.keyOf({ type: d.type, data: ANY_DATA, occurredAt: '2026-12-03T00:00:00.000Z', streamId: 'x-1' }) !== null).map((d) => d.type);
    expect(taken.sort()).toEqual([...consumer!.handles].sort());
  });
});
