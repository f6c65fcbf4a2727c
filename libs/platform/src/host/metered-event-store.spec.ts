import { describe, expect, it } from '@jest/globals';
import { InMemoryEventStore, type InMemoryTransactionConnection } from '@stockflow/event-sourcing';
import { contractTestCatalog, counterEvent } from '@stockflow/event-sourcing/testing';
import { randomUUID } from 'node:crypto';
import { ServiceMetrics } from '../metrics/service-metrics.js';
import { MeteredEventStore } from './metered-event-store.js';

async function appendedTotal(metrics: ServiceMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.eventsAppended.get();
  return Object.fromEntries(values.map((v) => [String(v.labels['stream_category']), v.value]));
}

describe('MeteredEventStore', () => {
  const setup = (): { inner: InMemoryEventStore; store: MeteredEventStore<InMemoryTransactionConnection>; metrics: ServiceMetrics } => {
    const inner = new InMemoryEventStore(contractTestCatalog);
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    return { inner, store: new MeteredEventStore(inner, metrics), metrics };
  };

  it('counts every event an append writes once, by stream category, and nothing for a replay', async () => {
    const { store, metrics } = setup();
    const events = [counterEvent(1), counterEvent(2)];
    await store.appendToStream(`counter-${randomUUID()}`, events);
    await store.appendToStream(`other-${randomUUID()}`, [counterEvent(3)]);
    expect(await appendedTotal(metrics)).toEqual({ counter: 2, other: 1 });
  });

  it('counts nothing for an idempotent replay', async () => {
    const { store, metrics } = setup();
    const id = `counter-${randomUUID()}`;
    const events = [counterEvent(1)];
    await store.appendToStream(id, events);
    await store.appendToStream(id, events);
    expect(await appendedTotal(metrics)).toEqual({ counter: 1 });
  });

  it('counts a transaction\'s appends and the streams it started when it commits, and nothing when it rolls back', async () => {
    const { store, inner, metrics } = setup();
    const existing = `delivery-${randomUUID()}`;
    await inner.appendToStream(existing, [counterEvent(0)]); // not through the decorator: not counted
    await store.withTransaction(async (tx) => {
      await tx.appendToStream(`counter-${randomUUID()}`, [counterEvent(1), counterEvent(2)]);
      const written = await tx.startStreams([
        { streamId: `delivery-${randomUUID()}`, event: counterEvent(3) },
        { streamId: existing, event: counterEvent(4) },
        { streamId: `delivery-${randomUUID()}`, event: counterEvent(5) },
      ]);
      expect(written).toHaveLength(2);
      expect(await appendedTotal(metrics)).toEqual({}); // not before the commit
    });
    expect(await appendedTotal(metrics)).toEqual({ counter: 2, delivery: 2 });
    await expect(
      store.withTransaction(async (tx) => {
        await tx.appendToStream(`counter-${randomUUID()}`, [counterEvent(6)]);
        await tx.startStreams([{ streamId: `delivery-${randomUUID()}`, event: counterEvent(7) }]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await appendedTotal(metrics)).toEqual({ counter: 2, delivery: 2 });
  });

  it('is the whole port: capabilities, reads, the log and the caller\'s own statements pass through', async () => {
    const { store, inner } = setup();
    expect(store.capabilities).toEqual({ transactions: true });
    const id = `counter-${randomUUID()}`;
    let committed = false;
    await store.withTransaction(async (tx) => {
      await tx.appendToStream(id, [counterEvent(1)]);
      tx.connection.onCommit(() => (committed = true));
    });
    expect(committed).toBe(true);
    expect(await store.readStream(id)).toEqual(await inner.readStream(id));
    expect(await store.readAll({ after: null, maxCount: 10 })).toEqual(await inner.readAll({ after: null, maxCount: 10 }));
    expect(await store.headPosition()).toBe(await inner.headPosition());
    expect(await store.countAfter(null)).toBe(1);
  });
});
