import { describe, expect, it } from '@jest/globals';
import { AggregateStateCache } from './aggregate-state-cache.js';
import { CommandHandler } from './command-handler.js';
import type { Decider } from './decider.js';
import { ConcurrencyConflict, DomainError } from './errors.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { contractTestCatalog } from './testing/index.js';

type Increment = { by: number; max: number };
type Incremented = { type: 'CounterIncremented'; data: { n: number } };

const counter: Decider<Increment, Incremented, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.n }),
  decide: (command, state) => {
    if (state.total + command.by > command.max) throw new DomainError('rejected', 'over the maximum', 'counter-max');
    return [{ type: 'CounterIncremented', data: { n: command.by } }];
  },
};

const metadata = { correlationId: 'c', causationId: null, traceparent: null };

describe('CommandHandler', () => {
  it('decides on the folded state and appends with the version it read', async () => {
    const handler = new CommandHandler(new InMemoryEventStore(contractTestCatalog), contractTestCatalog, counter);
    await handler.handle('counter-1', { by: 2, max: 10 }, { metadata });
    const result = await handler.handle('counter-1', { by: 3, max: 10 }, { metadata });
    expect(result.state).toEqual({ total: 5 });
    expect(result.append?.nextExpectedVersion).toBe(2);
    expect(await handler.load('counter-1')).toEqual({ state: { total: 5 }, version: 2 });
  });

  it('retries on concurrency conflicts so that concurrent commands all land and the rule holds', async () => {
    const handler = new CommandHandler(new InMemoryEventStore(contractTestCatalog), contractTestCatalog, counter, { maxAttempts: 50 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => handler.handle('counter-2', { by: 1, max: 12 }, { metadata })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(12);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(DomainError);
    expect((await handler.load('counter-2')).state.total).toBe(12);
  });

  it('does not retry when the caller named the version it expects', async () => {
    const handler = new CommandHandler(new InMemoryEventStore(contractTestCatalog), contractTestCatalog, counter);
    await handler.handle('counter-3', { by: 1, max: 10 }, { metadata });
    await expect(handler.handle('counter-3', { by: 1, max: 10 }, { metadata, expectedVersion: 0 })).rejects.toBeInstanceOf(ConcurrencyConflict);
    expect((await handler.load('counter-3')).version).toBe(1);
  });

  describe('with a state cache', () => {
    function countingStore(): { store: InMemoryEventStore; reads: () => number } {
      const store = new InMemoryEventStore(contractTestCatalog);
      let reads = 0;
      const readStream = store.readStream.bind(store);
      store.readStream = (...args) => {
        reads++;
        return readStream(...args);
      };
      return { store, reads: () => reads };
    }

    it('decides without reading the stream when this process wrote it last', async () => {
      const { store, reads } = countingStore();
      const handler = new CommandHandler(store, contractTestCatalog, counter, { cache: new AggregateStateCache() });
      await handler.handle('counter-c1', { by: 1, max: 100 }, { metadata });
      const before = reads();
      for (let i = 0; i < 5; i++) await handler.handle('counter-c1', { by: 1, max: 100 }, { metadata });
      expect(reads()).toBe(before);
      expect((await handler.load('counter-c1')).state.total).toBe(6);
    });

    it('notices a write by another process through the append conflict and decides again', async () => {
      const store = new InMemoryEventStore(contractTestCatalog);
      const mine = new CommandHandler(store, contractTestCatalog, counter, { cache: new AggregateStateCache() });
      const other = new CommandHandler(store, contractTestCatalog, counter);
      await mine.handle('counter-c2', { by: 1, max: 3 }, { metadata });
      await other.handle('counter-c2', { by: 1, max: 3 }, { metadata });
      await mine.handle('counter-c2', { by: 1, max: 3 }, { metadata });
      expect((await mine.load('counter-c2')).state.total).toBe(3);
      await expect(mine.handle('counter-c2', { by: 1, max: 3 }, { metadata })).rejects.toBeInstanceOf(DomainError);
    });

    it('re-judges a rejection made on cached state against the stream', async () => {
      const store = new InMemoryEventStore(contractTestCatalog);
      const cache = new AggregateStateCache<{ total: number }>();
      const mine = new CommandHandler(store, contractTestCatalog, counter, { cache });
      await mine.handle('counter-c3', { by: 2, max: 2 }, { metadata });
      // A stale cached total of 10 would reject; the stream says 2, which accepts.
      cache.set('counter-c3', { state: { total: 10 }, version: 1 });
      const result = await mine.handle('counter-c3', { by: 1, max: 3 }, { metadata });
      expect(result.state.total).toBe(3);
    });
  });
});
