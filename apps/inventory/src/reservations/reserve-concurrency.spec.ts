// Never oversell: concurrent reservations against one SKU, through the CommandHandler itself (the
// append's expected version is the only guard) and through the service's SkuCommands.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stockflowCatalog } from '@stockflow/contracts';
import { AggregateStateCache, CommandHandler, type EventMetadata, type EventStore } from '@stockflow/event-sourcing';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { openTestEventLog, type TestEventLogHandle } from '@stockflow/testing';
import type { Pool } from 'pg';
import { evolveSku, initialSkuState, skuDecider, skuStreamId, type SkuEvent, type SkuState } from '../domain/sku.js';
import { SkuCommands } from '../shared/sku-commands.js';

const metadata: EventMetadata = { correlationId: 'concurrency-spec', causationId: null, traceparent: null };

describe('concurrent reservations of one SKU (real PostgreSQL, or the log the run chose)', () => {
  const schema = uniqueSchemaName('t_inv_race');
  let pool: Pool;
  let log: TestEventLogHandle;
  let store: EventStore;

  beforeAll(async () => {
    pool = createPool({ max: 20 });
    log = await openTestEventLog(pool, schema);
    store = log.store;
  });
  afterAll(async () => {
    await log.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function stock(sku: string, quantity: number): Promise<void> {
    const handler = new CommandHandler(store, stockflowCatalog, skuDecider);
    await handler.handle(skuStreamId(sku), { type: 'RegisterSku', sku, name: sku, lowStockThreshold: 10 }, { metadata });
    await handler.handle(skuStreamId(sku), { type: 'ReceiveStock', sku, quantity }, { metadata });
  }

  /** Folds the stream event by event: reserved ≤ onHand must hold at every version. */
  async function checkEveryVersion(sku: string): Promise<{ state: SkuState; counts: Record<string, number> }> {
    const { events, currentVersion } = await store.readStream(skuStreamId(sku));
    expect(events.map((e) => e.streamPosition)).toEqual(Array.from({ length: currentVersion }, (_, i) => i + 1));
    let state = initialSkuState();
    const counts: Record<string, number> = {};
    for (const recorded of events) {
      const event = { type: recorded.type, data: stockflowCatalog.upcast(recorded.type, recorded.schemaVersion, recorded.data).data } as SkuEvent;
      state = evolveSku(state, event);
      counts[event.type] = (counts[event.type] ?? 0) + 1;
      if (state.reserved > state.onHand || state.reserved < 0) throw new Error(`oversold at version ${recorded.streamPosition}: ${state.reserved} reserved of ${state.onHand}`);
      if (event.type === 'StockLevelChanged') expect(event.data).toEqual({ sku, onHand: state.onHand, reserved: state.reserved, available: state.onHand - state.reserved });
    }
    return { state, counts };
  }

  function reserveAll(sku: string, run: (orderId: string) => Promise<unknown>): Promise<PromiseSettledResult<unknown>[]> {
    return Promise.all(Array.from({ length: 100 }, (_, i) => `order-${i}`)).then((ids) => Promise.allSettled(ids.map(run)));
  }

  it('100 concurrent reservations of 1 against 30 available through CommandHandler: exactly 30 reserved, 70 rejected', async () => {
    const sku = 'RACE-HANDLER';
    await stock(sku, 30);
    // Four handlers with caches of their own stand for four processes; only the append's expected
    // version keeps them from overselling. With 100 writers on one stream, each needs many attempts.
    const handlers = Array.from({ length: 4 }, () => new CommandHandler(store, stockflowCatalog, skuDecider, { cache: new AggregateStateCache<SkuState>(), maxAttempts: 200 }));
    let i = 0;
    const results = await reserveAll(sku, (orderId) => handlers[i++ % 4]!.handle(skuStreamId(sku), { type: 'ReserveStock', sku, orderId, quantity: 1 }, { metadata }));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const { state, counts } = await checkEveryVersion(sku);
    expect(counts['StockReserved']).toBe(30);
    expect(counts['StockReservationRejected']).toBe(70);
    expect(counts['OutOfStock']).toBe(1);
    expect(counts['LowStock']).toBe(1);
    expect(state).toMatchObject({ onHand: 30, reserved: 30 });
    expect(state.onHand - state.reserved).toBe(0);
    expect(state.reservations.size).toBe(100);
  }, 120_000);

  it('the same through SkuCommands: this process’s commands on a SKU queue instead of conflicting', async () => {
    const sku = 'RACE-SERVICE';
    await stock(sku, 30);
    const commands = new SkuCommands(store);
    const appendsBefore = (await log.footprint()).events;
    const results = await reserveAll(sku, (orderId) => commands.execute({ type: 'ReserveStock', sku, orderId, quantity: 1 }, { metadata }));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const { state, counts } = await checkEveryVersion(sku);
    expect(counts['StockReserved']).toBe(30);
    expect(counts['StockReservationRejected']).toBe(70);
    expect(state).toMatchObject({ onHand: 30, reserved: 30 });
    const appendsAfter = (await log.footprint()).events;
    // 30 × (StockReserved + StockLevelChanged) + LowStock + OutOfStock + 70 rejections.
    expect(appendsAfter - appendsBefore).toBe(30 * 2 + 2 + 70);
  }, 60_000);

  it('two processes’ SkuCommands racing on one SKU still never oversell, and redelivered requests change nothing', async () => {
    const sku = 'RACE-TWO';
    await stock(sku, 30);
    const a = new SkuCommands(store, { maxAttempts: 200 });
    const b = new SkuCommands(store, { maxAttempts: 200 });
    let i = 0;
    const run = (orderId: string) => (i++ % 2 ? a : b).execute({ type: 'ReserveStock', sku, orderId, quantity: 1 }, { metadata });
    expect((await reserveAll(sku, run)).filter((r) => r.status === 'rejected')).toEqual([]);
    const first = await checkEveryVersion(sku);
    // Every request delivered again, to the other process this time.
    i = 1;
    const again = await reserveAll(sku, run);
    expect(again.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const result of again) expect((result as PromiseFulfilledResult<{ events: unknown[] }>).value.events).toEqual([]);
    const second = await checkEveryVersion(sku);
    expect(second.counts).toEqual(first.counts);
    expect(first.counts['StockReserved']).toBe(30);
    expect(first.counts['StockReservationRejected']).toBe(70);
  }, 120_000);
});
