import { describe, expect, it } from '@jest/globals';
import { AggregateStateCache } from './aggregate-state-cache.js';
import { CommandHandler } from './command-handler.js';
import type { Decider } from './decider.js';
import { ConcurrencyConflict, DomainError } from './errors.js';
import { InMemoryEventStore, type InMemoryTransactionConnection } from './in-memory-event-store.js';
import { contractTestCatalog } from './testing/index.js';
import { runInUnitOfWork, UnitOfWork } from './unit-of-work.js';

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

  describe('options for process managers', () => {
    it('tries a command assumed to start its stream without reading it, and reads when the stream exists', async () => {
      const store = new InMemoryEventStore(contractTestCatalog);
      let reads = 0;
      const readStream = store.readStream.bind(store);
      store.readStream = (...args) => (reads++, readStream(...args));
      const handler = new CommandHandler(store, contractTestCatalog, counter);
      await handler.handle('counter-n1', { by: 1, max: 10 }, { metadata, assumeNew: true });
      expect(reads).toBe(0);
      const second = await handler.handle('counter-n1', { by: 1, max: 10 }, { metadata, assumeNew: true });
      expect(reads).toBe(1); // the no_stream append conflicted: read, decided again
      expect(second.state.total).toBe(2);
    });

    it('commits the caller\'s own writes with the decided events, or neither', async () => {
      const store = new InMemoryEventStore(contractTestCatalog);
      const handler = new CommandHandler<Increment, Incremented, { total: number }, InMemoryTransactionConnection>(store, contractTestCatalog, counter);
      const rows: number[] = [];
      await handler.handle('counter-t1', { by: 2, max: 10 }, {
        metadata,
        alongside: async (tx, events) => tx.connection.onCommit(() => rows.push(events[0]!.data.n)),
      });
      expect(rows).toEqual([2]);
      await expect(
        handler.handle('counter-t1', { by: 3, max: 10 }, {
          metadata,
          alongside: async () => {
            throw new Error('own write failed');
          },
        }),
      ).rejects.toThrow('own write failed');
      expect(await handler.load('counter-t1')).toEqual({ state: { total: 2 }, version: 1 });
    });

    it('appends within the caller\'s transaction on a state the caller holds: no read, commits or rolls back with the caller\'s work, a conflict not retried', async () => {
      const { store, reads } = countingStore();
      const handler = new CommandHandler<Increment, Incremented, { total: number }, InMemoryTransactionConnection>(store, contractTestCatalog, counter);
      await handler.handle('counter-w1', { by: 1, max: 10 }, { metadata });
      const readsBefore = reads();
      await store.withTransaction(async (tx) => {
        const result = await handler.handle('counter-w1', { by: 2, max: 10 }, { metadata, within: tx, knownState: { state: { total: 1 }, version: 1 } });
        expect(result.version).toBe(2);
        expect((await store.readStream('counter-w1')).currentVersion).toBe(1); // not visible before the caller's commit
      });
      expect(reads() - readsBefore).toBe(1); // only the check above read: the decision did not
      expect(await handler.load('counter-w1')).toEqual({ state: { total: 3 }, version: 2 });
      await expect(
        store.withTransaction(async (tx) => {
          await handler.handle('counter-w1', { by: 1, max: 10 }, { metadata, within: tx, knownState: { state: { total: 3 }, version: 2 } });
          throw new Error('caller failed');
        }),
      ).rejects.toThrow('caller failed');
      expect(await handler.load('counter-w1')).toEqual({ state: { total: 3 }, version: 2 });
      await expect(
        store.withTransaction((tx) => handler.handle('counter-w1', { by: 1, max: 10 }, { metadata, within: tx, knownState: { state: { total: 1 }, version: 1 } })),
      ).rejects.toBeInstanceOf(ConcurrencyConflict);
      expect((await handler.load('counter-w1')).version).toBe(2);
    });

    it('gives recordOrigin every folded event\'s id and metadata, and metadata functions the state decided on', async () => {
      const store = new InMemoryEventStore(contractTestCatalog);
      type Remembering = { total: number; last: string | null };
      const remembering: Decider<Increment, Incremented, Remembering> = {
        initialState: () => ({ total: 0, last: null }),
        evolve: (state, event) => ({ ...state, total: state.total + event.data.n }),
        decide: (command) => [{ type: 'CounterIncremented', data: { n: command.by } }],
      };
      const options = { recordOrigin: (state: Remembering, _e: Incremented, origin: { eventId: string }) => ({ ...state, last: origin.eventId }) };
      const handler = new CommandHandler(store, contractTestCatalog, remembering, options);
      const first = await handler.handle('counter-o1', { by: 1, max: 9 }, { metadata: (state) => ({ ...metadata, correlationId: `at-${state.total}` }) });
      const stored = (await store.readStream('counter-o1')).events;
      expect(first.state.last).toBe(stored[0]!.eventId);
      expect(stored[0]!.correlationId).toBe('at-0');
      await handler.handle('counter-o1', { by: 1, max: 9 }, { metadata: (state) => ({ ...metadata, correlationId: `at-${state.total}` }) });
      const reread = await new CommandHandler(store, contractTestCatalog, remembering, options).load('counter-o1');
      const all = (await store.readStream('counter-o1')).events;
      expect(reread.state).toEqual({ total: 2, last: all[1]!.eventId });
      expect(all[1]!.correlationId).toBe('at-1');
    });

    it('lets only the stream say that a command decides nothing (a cached state that decides nothing is re-read)', async () => {
      const store = new InMemoryEventStore(contractTestCatalog);
      const cache = new AggregateStateCache<{ total: number }>();
      const capped: Decider<Increment, Incremented, { total: number }> = { ...counter, decide: (c, s) => (s.total >= c.max ? [] : counter.decide(c, s)) };
      const handler = new CommandHandler(store, contractTestCatalog, capped, { cache });
      await handler.handle('counter-z1', { by: 1, max: 5 }, { metadata });
      cache.set('counter-z1', { state: { total: 5 }, version: 1 }); // stale: would decide nothing
      const result = await handler.handle('counter-z1', { by: 1, max: 5 }, { metadata });
      expect(result.state.total).toBe(2);
    });
  });

  describe('on a store without transactions (EventStoreDB, ADR 0046)', () => {
    /** The in-memory store as a store that cannot hold a unit of work open. */
    function withoutTransactions(): InMemoryEventStore {
      const store = new InMemoryEventStore(contractTestCatalog);
      Object.defineProperty(store, 'capabilities', { value: { transactions: false } });
      return store;
    }

    it('names a unit of work\'s events after its replay key, so a repeat of the work after a crash appends nothing and answers as the first run', async () => {
      const store = withoutTransactions();
      const cache = new AggregateStateCache<{ total: number }>();
      const handler = new CommandHandler(store, contractTestCatalog, counter, { cache });
      const request = (): Promise<unknown> =>
        runInUnitOfWork(new UnitOfWork({ replayKey: 'key-1' }), async () => {
          const first = await handler.handle('counter-r', { by: 2, max: 10 }, { metadata });
          const second = await handler.handle('counter-r', { by: 3, max: 10 }, { metadata });
          return [first.events, second.events, second.state];
        });
      const firstRun = await request();
      await handler.handle('counter-r', { by: 1, max: 10 }, { metadata }); // someone else's command in between
      // The first run's result was lost with its process: the client retries with the same key.
      const retry = await request();
      expect(retry).toEqual([[{ type: 'CounterIncremented', data: { n: 2 } }], [{ type: 'CounterIncremented', data: { n: 3 } }], { total: 6 }]);
      expect((firstRun as unknown[])[1]).toEqual((retry as unknown[])[1]);
      const { events } = await store.readStream('counter-r');
      expect(events.map((e) => (e.data as { n: number }).n)).toEqual([2, 3, 1]);
      // Another key is another piece of work.
      await runInUnitOfWork(new UnitOfWork({ replayKey: 'key-2' }), () => handler.handle('counter-r', { by: 2, max: 10 }, { metadata }));
      expect((await store.readStream('counter-r')).currentVersion).toBe(4);
    });

    it('runs beforeAppend ahead of every append attempt, and not when nothing is decided', async () => {
      const store = withoutTransactions();
      const handler = new CommandHandler(store, contractTestCatalog, counter);
      const before: string[] = [];
      const appended = await handler.handle('counter-b', { by: 1, max: 1 }, { metadata, beforeAppend: async (events) => void before.push(`${events.length}@${(await store.readStream('counter-b')).currentVersion}`) });
      expect(appended.version).toBe(1);
      expect(before).toEqual(['1@0']);
      await expect(handler.handle('counter-b', { by: 1, max: 1 }, { metadata, beforeAppend: async () => void before.push('again') })).rejects.toThrow(DomainError);
      expect(before).toEqual(['1@0']);
    });
  });

  describe('current', () => {
    it('reads only what follows the cached state, upcast like every load, and starts over when the stream does not continue it', async () => {
      const store = new InMemoryEventStore(contractTestCatalog);
      const cache = new AggregateStateCache<{ total: number }>();
      const mine = new CommandHandler(store, contractTestCatalog, counter, { cache });
      const other = new CommandHandler(store, contractTestCatalog, counter);
      await mine.handle('counter-r1', { by: 1, max: 100 }, { metadata });
      await other.handle('counter-r1', { by: 5, max: 100 }, { metadata });
      const froms: (number | undefined)[] = [];
      const readStream = store.readStream.bind(store);
      store.readStream = (streamId, options) => (froms.push(options?.fromPosition), readStream(streamId, options));
      expect(await mine.current('counter-r1')).toEqual({ state: { total: 6 }, version: 2 });
      expect(froms).toEqual([2]);
      expect(cache.get('counter-r1')).toEqual({ state: { total: 6 }, version: 2 });
      cache.set('counter-r1', { state: { total: 99 }, version: 7 }); // ahead of the stream: not a continuation
      expect(await mine.current('counter-r1')).toEqual({ state: { total: 6 }, version: 2 });
      expect(await new CommandHandler(store, contractTestCatalog, counter).current('counter-none')).toEqual({ state: { total: 0 }, version: 0 });
    });
  });
});
