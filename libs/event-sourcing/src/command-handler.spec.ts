import { describe, expect, it } from '@jest/globals';
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
    const handler = new CommandHandler(new InMemoryEventStore(contractTestCatalog), contractTestCatalog, counter, 50);
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
});
