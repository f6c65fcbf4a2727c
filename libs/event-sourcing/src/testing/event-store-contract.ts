import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ContractViolation } from '@stockflow/contracts';
import { ConcurrencyConflict, TransactionsUnsupported } from '../errors.js';
import type { EventStore, EventStoreTransaction, EventToAppend, RecordedEvent } from '../event-store.js';
import { counterEvent } from './contract-test-catalog.js';

/** An append whose transaction stays open until `commit` (only stores with transactions offer it). */
export interface HeldAppend {
  commit(): Promise<void>;
}

export interface EventStoreContractSubject<TConnection = unknown> {
  /** A store built with `contractTestCatalog`, on an empty log of its own. */
  readonly store: EventStore<TConnection>;
  /**
   * The caller's own statement inside a transaction (a row in a table of the test's, say), and a
   * look from outside at whether it took effect. Given by every store with transactions.
   */
  readonly ownStatement?: {
    write(tx: EventStoreTransaction<TConnection>, key: string): Promise<void>;
    committed(key: string): Promise<boolean>;
  };
  /** Starts an append and holds its transaction open, so later appends commit before it. */
  readonly holdAppendOpen?: (streamId: string, events: readonly EventToAppend[]) => Promise<HeldAppend>;
  /**
   * Waits until every append that has returned is readable from the global log. A store whose log
   * waits for older transactions (PostgreSQL's xmin guard) may lag while other clients of the same
   * server hold transactions open; positions taken before the settle could be stale.
   */
  readonly settle?: () => Promise<void>;
  readonly teardown: () => Promise<void>;
}

const stream = (): string => `counter-${randomUUID()}`;

async function readWholeLog(store: EventStore<unknown>, after: string | null = null, page = 37): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (;;) {
    const batch = await store.readAll({ after, maxCount: page });
    all.push(...batch);
    if (batch.length < page) return all;
    after = batch[batch.length - 1]!.logPosition;
  }
}

/**
 * The global log after `after`, read again until `done` holds: a committed event may become readable
 * a little later (see `settle`), never out of order.
 */
export async function readLogUntil(
  store: EventStore<unknown>,
  after: string | null,
  done: (events: readonly RecordedEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<RecordedEvent[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const events = await readWholeLog(store, after);
    if (done(events) || Date.now() > until) return events;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function collect(store: EventStore<unknown>, after: string | null, count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const received: RecordedEvent[] = [];
  try {
    for await (const batch of store.subscribeToAll({ after, signal: controller.signal, batchSize: 50 })) {
      received.push(...batch);
      if (received.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return received;
}

/**
 * The behaviour every EventStore adapter must show. Call it from an adapter's spec with a factory
 * that gives a fresh store; the suite owns the log it gets.
 */
export function describeEventStoreContract<TConnection>(adapterName: string, createSubject: () => Promise<EventStoreContractSubject<TConnection>>): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let subject: EventStoreContractSubject<TConnection>;
    let store: EventStore<TConnection>;

    beforeAll(async () => {
      subject = await createSubject();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.teardown();
    });

    it('appends to a new stream and reads it back with the whole envelope', async () => {
      const id = stream();
      const events = [counterEvent(1), counterEvent(2, { causationId: 'cause-1' })];
      const result = await store.appendToStream(id, events, { expectedVersion: 'no_stream' });
      expect(result.nextExpectedVersion).toBe(2);
      expect(result.idempotentReplay).toBe(false);

      const { events: read, currentVersion } = await store.readStream(id);
      expect(currentVersion).toBe(2);
      expect(read.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
      expect(read[0]).toMatchObject({
        type: 'CounterIncremented',
        schemaVersion: 1,
        streamId: id,
        streamPosition: 1,
        correlationId: 'corr-1',
        causationId: null,
        traceparent: events[0]!.traceparent,
        data: { n: 1 },
      });
      expect(read[1]).toMatchObject({ streamPosition: 2, causationId: 'cause-1', data: { n: 2 } });
      expect(Number.isInteger(read[0]!.globalPosition)).toBe(true);
      expect(read[0]!.globalPosition).not.toBe(read[1]!.globalPosition);
      expect(Number.isNaN(Date.parse(read[0]!.occurredAt))).toBe(false);
      expect(result.events.map((e) => e.globalPosition)).toEqual(read.map((e) => e.globalPosition));
    });

    it('reads a stream from a position, a page at a time', async () => {
      const id = stream();
      await store.appendToStream(id, [1, 2, 3, 4, 5].map((n) => counterEvent(n)));
      const { events } = await store.readStream(id, { fromPosition: 2, maxCount: 3 });
      expect(events.map((e) => e.streamPosition)).toEqual([2, 3, 4]);
      expect(await store.readStream(`counter-${randomUUID()}`)).toEqual({ events: [], currentVersion: 0 });
    });

    it('rejects a stale expected version and appends nothing', async () => {
      const id = stream();
      await store.appendToStream(id, [counterEvent(1)], { expectedVersion: 'no_stream' });
      await store.appendToStream(id, [counterEvent(2)], { expectedVersion: 1 });
      await expect(store.appendToStream(id, [counterEvent(3)], { expectedVersion: 1 })).rejects.toBeInstanceOf(ConcurrencyConflict);
      await expect(store.appendToStream(id, [counterEvent(3)], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(ConcurrencyConflict);
      await expect(store.appendToStream(stream(), [counterEvent(3)], { expectedVersion: 4 })).rejects.toBeInstanceOf(ConcurrencyConflict);
      await expect(store.appendToStream(stream(), [counterEvent(3)], { expectedVersion: 'stream_exists' })).rejects.toBeInstanceOf(ConcurrencyConflict);
      expect((await store.readStream(id)).currentVersion).toBe(2);
      const any = await store.appendToStream(id, [counterEvent(4)], { expectedVersion: 'any' });
      expect(any.nextExpectedVersion).toBe(3);
    });

    it('treats a re-append of the same event ids as a no-op', async () => {
      const id = stream();
      const events = [counterEvent(1), counterEvent(2)];
      const first = await store.appendToStream(id, events, { expectedVersion: 'no_stream' });
      const again = await store.appendToStream(id, events, { expectedVersion: 'no_stream' });
      expect(again.idempotentReplay).toBe(true);
      expect(again.events).toEqual(first.events);
      const anyAgain = await store.appendToStream(id, events, { expectedVersion: 'any' });
      expect(anyAgain.idempotentReplay).toBe(true);
      const { events: read } = await store.readStream(id);
      expect(read).toHaveLength(2);
      const log = await readLogUntil(store, null, (all) => all.some((e) => e.eventId === events[0]!.eventId));
      expect(log.filter((e) => e.eventId === events[0]!.eventId)).toHaveLength(1);
    });

    it('rejects an event its contract does not accept and appends nothing', async () => {
      const id = stream();
      await expect(store.appendToStream(id, [counterEvent(1, { data: { n: 'one' } })])).rejects.toBeInstanceOf(ContractViolation);
      await expect(store.appendToStream(id, [counterEvent(1, { type: 'NoSuchEvent' })])).rejects.toBeInstanceOf(ContractViolation);
      await expect(store.appendToStream(id, [counterEvent(1, { eventId: 'not-a-uuid' })])).rejects.toThrow(/UUID/);
      expect((await store.readStream(id)).currentVersion).toBe(0);
    });

    it('lets exactly one of two racing writers win on one stream', async () => {
      for (let round = 0; round < 5; round++) {
        const id = stream();
        await store.appendToStream(id, [counterEvent(0)], { expectedVersion: 'no_stream' });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => store.appendToStream(id, [counterEvent(i + 1)], { expectedVersion: 1 })),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ConcurrencyConflict);
        expect((await store.readStream(id)).currentVersion).toBe(2);
      }
    });

    it('gives a global log that holds every event once, keeps stream order, and pages consistently', async () => {
      await subject.settle?.();
      const before = await store.headPosition();
      const writers = 10;
      const perWriter = 20;
      const ids = Array.from({ length: writers }, stream);
      await Promise.all(
        ids.map(async (id) => {
          for (let n = 1; n <= perWriter; n++) await store.appendToStream(id, [counterEvent(n)], { expectedVersion: n === 1 ? 'no_stream' : n - 1 });
        }),
      );
      const ours = (all: readonly RecordedEvent[]): RecordedEvent[] => all.filter((e) => ids.includes(e.streamId));
      const log = ours(await readLogUntil(store, before, (all) => ours(all).length >= writers * perWriter));
      expect(log).toHaveLength(writers * perWriter);
      expect(new Set(log.map((e) => e.eventId)).size).toBe(writers * perWriter);
      for (const id of ids) {
        expect(log.filter((e) => e.streamId === id).map((e) => e.streamPosition)).toEqual(Array.from({ length: perWriter }, (_, i) => i + 1));
      }
      const inOnePage = (await store.readAll({ after: before, maxCount: 10_000 })).filter((e) => ids.includes(e.streamId));
      expect(inOnePage.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId));
      expect(await store.countAfter(before)).toBeGreaterThanOrEqual(writers * perWriter);
    });

    it('delivers an event whose transaction commits after later ones, in order, skipping nothing', async () => {
      if (!subject.holdAppendOpen) {
        // Without concurrent transactions the log is append order and nothing can commit late.
        return;
      }
      await subject.settle?.();
      const start = await store.headPosition();
      const slowStream = stream();
      const slow = counterEvent(100);
      const held = await subject.holdAppendOpen(slowStream, [slow]);
      const fastIds: string[] = [];
      for (let i = 0; i < 5; i++) {
        const e = counterEvent(i);
        fastIds.push(e.eventId);
        await store.appendToStream(stream(), [e]);
      }
      const whileHeld = await readWholeLog(store, start);
      // The reader must not move past the open transaction: what it has read cannot later gain an event.
      expect(whileHeld.map((e) => e.eventId)).not.toContain(slow.eventId);
      const lastSeen = whileHeld.length ? whileHeld[whileHeld.length - 1]!.logPosition : start;
      await held.commit();
      const afterCommit = await readLogUntil(store, lastSeen, (all) => [slow.eventId, ...fastIds].every((id) => all.some((e) => e.eventId === id)));
      const delivered = [...whileHeld, ...afterCommit].map((e) => e.eventId);
      expect(delivered).toContain(slow.eventId);
      for (const id of fastIds) expect(delivered).toContain(id);
      expect(new Set(delivered).size).toBe(delivered.length);
      // The held event was appended (started) before the fast ones: log order keeps it first.
      expect(delivered.indexOf(slow.eventId)).toBeLessThan(delivered.indexOf(fastIds[0]!));
    });

    describe('transactions', () => {
      const onlyWithTransactions = (): boolean => {
        if (store.capabilities.transactions) {
          if (!subject.ownStatement) throw new Error('a store with transactions must give the suite ownStatement');
          return true;
        }
        return false;
      };

      it('declares whether it has them, and one without them refuses withTransaction', async () => {
        expect(typeof store.capabilities.transactions).toBe('boolean');
        if (store.capabilities.transactions) return;
        await expect(store.withTransaction(async () => 'never')).rejects.toBeInstanceOf(TransactionsUnsupported);
      });

      it('commits appends, stream starts and the caller\'s own statements together, unseen before the commit', async () => {
        if (!onlyWithTransactions()) return;
        await subject.settle?.();
        const before = await store.headPosition();
        const appended = stream();
        const started = [stream(), stream()];
        const key = randomUUID();
        const events = [counterEvent(1), counterEvent(2)];
        const starts = started.map((streamId, i) => ({ streamId, event: counterEvent(10 + i) }));
        const result = await store.withTransaction(async (tx) => {
          const append = await tx.appendToStream(appended, events, { expectedVersion: 'no_stream' });
          expect(append.nextExpectedVersion).toBe(2);
          expect(await tx.startStreams(starts)).toEqual(starts.map((s) => s.event.eventId));
          await subject.ownStatement!.write(tx, key);
          // Nothing is visible outside the transaction before it commits.
          expect((await store.readStream(appended)).currentVersion).toBe(0);
          expect((await store.readStream(started[0]!)).currentVersion).toBe(0);
          expect(await subject.ownStatement!.committed(key)).toBe(false);
          return 'done';
        });
        expect(result).toBe('done');
        expect((await store.readStream(appended)).events.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
        for (const [i, streamId] of started.entries()) {
          const { events: read, currentVersion } = await store.readStream(streamId);
          expect(currentVersion).toBe(1);
          expect(read.map((e) => e.data)).toEqual([{ n: 10 + i }]);
        }
        expect(await subject.ownStatement!.committed(key)).toBe(true);
        const ids = [...events, ...starts.map((s) => s.event)].map((e) => e.eventId);
        const log = await readLogUntil(store, before, (all) => ids.every((id) => all.some((e) => e.eventId === id)));
        expect(log.map((e) => e.eventId).filter((id) => ids.includes(id))).toEqual(ids);
      });

      it('rolls every write back when the work throws, and passes the error on', async () => {
        if (!onlyWithTransactions()) return;
        const appended = stream();
        const started = stream();
        const key = randomUUID();
        const failure = new Error('work failed');
        await expect(
          store.withTransaction(async (tx) => {
            await tx.appendToStream(appended, [counterEvent(1)]);
            await tx.startStreams([{ streamId: started, event: counterEvent(2) }]);
            await subject.ownStatement!.write(tx, key);
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect((await store.readStream(appended)).currentVersion).toBe(0);
        expect((await store.readStream(started)).currentVersion).toBe(0);
        expect(await subject.ownStatement!.committed(key)).toBe(false);
        // The stream is free for a later writer.
        expect((await store.appendToStream(appended, [counterEvent(3)], { expectedVersion: 'no_stream' })).nextExpectedVersion).toBe(1);
      });

      it('checks expected versions inside a transaction, counting its own appends', async () => {
        if (!onlyWithTransactions()) return;
        const id = stream();
        await store.appendToStream(id, [counterEvent(1)]);
        await store.withTransaction(async (tx) => {
          await tx.appendToStream(id, [counterEvent(2)], { expectedVersion: 1 });
          await tx.appendToStream(id, [counterEvent(3)], { expectedVersion: 2 });
        });
        expect((await store.readStream(id)).currentVersion).toBe(3);
        await expect(store.withTransaction((tx) => tx.appendToStream(id, [counterEvent(4)], { expectedVersion: 2 }))).rejects.toBeInstanceOf(ConcurrencyConflict);
        expect((await store.readStream(id)).currentVersion).toBe(3);
      });

      it('starts streams once: existing streams are skipped, a repeat writes nothing, a stream twice in one call is refused', async () => {
        if (!onlyWithTransactions()) return;
        const existing = stream();
        await store.appendToStream(existing, [counterEvent(0)]);
        const fresh = stream();
        const batch = [
          { streamId: fresh, event: counterEvent(1) },
          { streamId: existing, event: counterEvent(2) },
        ];
        expect(await store.withTransaction((tx) => tx.startStreams(batch))).toEqual([batch[0]!.event.eventId]);
        expect(await store.withTransaction((tx) => tx.startStreams(batch))).toEqual([]);
        expect((await store.readStream(existing)).events.map((e) => e.data)).toEqual([{ n: 0 }]);
        expect((await store.readStream(fresh)).events.map((e) => e.data)).toEqual([{ n: 1 }]);
        await expect(store.withTransaction((tx) => tx.startStreams([batch[0]!, batch[0]!]))).rejects.toThrow(/appears twice/);
        expect(await store.withTransaction((tx) => tx.startStreams([]))).toEqual([]);
      });
    });

    it('subscribes live and resumes from a checkpoint without gaps or repeats', async () => {
      await subject.settle?.();
      const start = await store.headPosition();
      const id = stream();
      await store.appendToStream(id, [1, 2, 3].map((n) => counterEvent(n)));
      const firstRun = (await collect(store, start, 3)).filter((e) => e.streamId === id);
      expect(firstRun.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
      const checkpoint = firstRun[2]!.logPosition;

      const live = collect(store, checkpoint, 4);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await store.appendToStream(id, [4, 5].map((n) => counterEvent(n)));
      await store.appendToStream(id, [6, 7].map((n) => counterEvent(n)));
      const resumed = (await live).filter((e) => e.streamId === id);
      expect(resumed.map((e) => (e.data as { n: number }).n)).toEqual([4, 5, 6, 7]);
    });
  });
}
