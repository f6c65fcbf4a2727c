import { describe, expect, it } from '@jest/globals';
import { AggregateStateCache } from './aggregate-state-cache.js';
import { CommandHandler } from './command-handler.js';
import type { Decider } from './decider.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { contractTestCatalog } from './testing/index.js';
import { currentUnitOfWork, runInUnitOfWork, UnitOfWork } from './unit-of-work.js';

type Increment = { by: number };
type Incremented = { type: 'CounterIncremented'; data: { n: number } };

const counter: Decider<Increment, Incremented, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.n }),
  decide: (command) => [{ type: 'CounterIncremented', data: { n: command.by } }],
};

const metadata = { correlationId: 'c', causationId: null, traceparent: null };

describe('UnitOfWork: a command appended in it commits with what the caller finishes it with', () => {
  it('holds the append until finish, which runs in the same transaction, then commits', async () => {
    const store = new InMemoryEventStore(contractTestCatalog);
    const handler = new CommandHandler(store, contractTestCatalog, counter);
    const unit = new UnitOfWork();
    const result = await runInUnitOfWork(unit, () => handler.handle('counter-1', { by: 2 }, { metadata }));
    expect(result.version).toBe(1);
    expect(unit.isOpen).toBe(true);
    // Nothing is readable before the unit commits.
    expect((await store.readStream('counter-1')).currentVersion).toBe(0);
    const committedWith: unknown[] = [];
    expect(await unit.finish(async (tx) => void committedWith.push(tx.connection))).toBe(true);
    expect(committedWith).toHaveLength(1);
    expect((await store.readStream('counter-1')).currentVersion).toBe(1);
  });

  it('rolls the append back when the caller aborts, or when its own statement fails', async () => {
    const store = new InMemoryEventStore(contractTestCatalog);
    const handler = new CommandHandler(store, contractTestCatalog, counter);
    const aborted = new UnitOfWork();
    await runInUnitOfWork(aborted, () => handler.handle('counter-2', { by: 1 }, { metadata }));
    await aborted.abort(new Error('the controller failed'));
    expect((await store.readStream('counter-2')).currentVersion).toBe(0);

    const failing = new UnitOfWork();
    await runInUnitOfWork(failing, () => handler.handle('counter-2', { by: 1 }, { metadata }));
    await expect(failing.finish(async () => Promise.reject(new Error('lease lost')))).rejects.toThrow('lease lost');
    expect((await store.readStream('counter-2')).currentVersion).toBe(0);
  });

  it('joins a second append of the same work to the open transaction', async () => {
    const store = new InMemoryEventStore(contractTestCatalog);
    const handler = new CommandHandler(store, contractTestCatalog, counter);
    const unit = new UnitOfWork();
    await runInUnitOfWork(unit, async () => {
      await handler.handle('counter-3', { by: 1 }, { metadata });
      await handler.handle('counter-4', { by: 1 }, { metadata });
    });
    expect((await store.readStream('counter-4')).currentVersion).toBe(0);
    await unit.finish(async () => undefined);
    expect((await store.readStream('counter-3')).currentVersion).toBe(1);
    expect((await store.readStream('counter-4')).currentVersion).toBe(1);
  });

  it('finish reports false when nothing was appended, and caches a written state only after the commit', async () => {
    const store = new InMemoryEventStore(contractTestCatalog);
    const cache = new AggregateStateCache<{ total: number }>(10);
    const handler = new CommandHandler(store, contractTestCatalog, counter, { cache });
    expect(await new UnitOfWork().finish(async () => undefined)).toBe(false);
    const unit = new UnitOfWork();
    await runInUnitOfWork(unit, () => handler.handle('counter-5', { by: 3 }, { metadata }));
    expect(cache.get('counter-5')).toBeUndefined();
    await unit.finish(async () => undefined);
    expect(cache.get('counter-5')).toEqual({ state: { total: 3 }, version: 1 });
  });

  it('is current only inside runInUnitOfWork', async () => {
    const unit = new UnitOfWork();
    expect(currentUnitOfWork()).toBeUndefined();
    await runInUnitOfWork(unit, async () => {
      await Promise.resolve();
      expect(currentUnitOfWork()).toBe(unit);
    });
    expect(currentUnitOfWork()).toBeUndefined();
  });
});
