import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConcurrencyConflict, DuplicateEventIdConflict, requireTransactions, TransactionsUnsupported, type RecordedEvent } from '@stockflow/event-sourcing';
import { contractTestCatalog, counterEvent, describeEventStoreContract } from '@stockflow/event-sourcing/testing';
import { randomUUID } from 'node:crypto';
import { connectEsdbClient, EventStoreDbEventStore } from './eventstoredb-event-store.js';
import { SimulatedEsdbClient } from './testing/simulated-esdb-client.js';

// The adapter's own logic (paging, position handling, idempotency detection, conflict mapping,
// subscription batching) against a model of EventStoreDB. The same suite runs against a real
// server in eventstoredb-event-store.spec.ts when EVENTSTORE_URL is set.

describeEventStoreContract('eventstoredb adapter on a simulated EventStoreDB client', async () => {
  const client = new SimulatedEsdbClient({ systemEventEvery: 3 });
  client.writeForeignEvent('system');
  client.writeForeignEvent('no-metadata');
  client.writeForeignEvent('binary');
  const store = new EventStoreDbEventStore({ client: client.asClient(), catalog: contractTestCatalog, ownsClient: true });
  return { store, teardown: () => store.close() };
});

// A context's store among others on one server: its streams carry its prefix, and the others'
// events (and their own ids) must never show in its global log.
describeEventStoreContract('eventstoredb adapter with a stream prefix, beside another prefix on the same client', async () => {
  const client = new SimulatedEsdbClient({ systemEventEvery: 5 });
  const neighbour = new EventStoreDbEventStore({ client: client.asClient(), catalog: contractTestCatalog, streamPrefix: 'neighbour.' });
  const store = new EventStoreDbEventStore({ client: client.asClient(), catalog: contractTestCatalog, streamPrefix: 'context.' });
  const chatter = setInterval(() => void neighbour.appendToStream(`counter-${randomUUID()}`, [counterEvent(1)]), 5);
  return {
    store,
    teardown: async () => {
      clearInterval(chatter);
      await store.close();
    },
  };
});

const stream = (): string => `counter-${randomUUID()}`;

describe('connectEsdbClient', () => {
  it('takes esdb:// and KurrentDB\'s kurrentdb:// strings alike, and refuses other schemes before any connection', async () => {
    for (const url of ['esdb://127.0.0.1:2113?tls=false', 'kurrentdb://admin:changeit@127.0.0.1:2113?tls=false', 'KurrentDB+discover://cluster.example:2113']) {
      const client = connectEsdbClient(url);
      await client.dispose();
    }
    expect(() => connectEsdbClient('http://127.0.0.1:2113')).toThrow();
  });
});

describe('EventStoreDbEventStore with a stream prefix', () => {
  it('stores streams under the prefix, reads them by their own ids, and keeps each prefix its own global log and subscription', async () => {
    const client = new SimulatedEsdbClient();
    const a = new EventStoreDbEventStore({ client: client.asClient(), catalog: contractTestCatalog, streamPrefix: 'inventory.' });
    const b = new EventStoreDbEventStore({ client: client.asClient(), catalog: contractTestCatalog, streamPrefix: 'carts.' });
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const subscribed = (async () => {
      for await (const batch of a.subscribeToAll({ after: null, signal: controller.signal })) {
        received.push(...batch);
        if (received.length >= 2) controller.abort();
      }
    })();
    const id = stream();
    await a.appendToStream(id, [counterEvent(1)], { expectedVersion: 'no_stream' });
    await b.appendToStream(id, [counterEvent(7)], { expectedVersion: 'no_stream' });
    await a.appendToStream(id, [counterEvent(2)], { expectedVersion: 1 });
    await subscribed;

    const onServer = [];
    for await (const resolved of client.asClient().readAll()) onServer.push(resolved.event?.streamId);
    expect(onServer).toEqual([`inventory.${id}`, `carts.${id}`, `inventory.${id}`]);
    expect((await a.readStream(id)).events.map((e) => [e.streamId, (e.data as { n: number }).n])).toEqual([
      [id, 1],
      [id, 2],
    ]);
    expect((await b.readStream(id)).events.map((e) => (e.data as { n: number }).n)).toEqual([7]);
    expect((await a.readAll({ after: null, maxCount: 10 })).map((e) => (e.data as { n: number }).n)).toEqual([1, 2]);
    expect(received.map((e) => [e.streamId, (e.data as { n: number }).n])).toEqual([
      [id, 1],
      [id, 2],
    ]);
    expect(await a.countAfter(null)).toBe(2);
    expect(await b.headPosition()).toBe((await b.readAll({ after: null, maxCount: 1 }))[0]!.logPosition);
    expect(() => new EventStoreDbEventStore({ client: client.asClient(), catalog: contractTestCatalog, streamPrefix: '$ce-' })).toThrow(RangeError);
    await a.close();
    await b.close();
  });
});

describe('EventStoreDbEventStore on a simulated client', () => {
  let client: SimulatedEsdbClient;
  let store: EventStoreDbEventStore;

  beforeEach(() => {
    client = new SimulatedEsdbClient();
    store = new EventStoreDbEventStore({ client: client.asClient(), catalog: contractTestCatalog, ownsClient: true });
  });
  afterEach(async () => {
    await store.close();
  });

  it('declares no transactions, so a caller that needs them fails where it is wired, before any command', async () => {
    expect(store.capabilities.transactions).toBe(false);
    expect(() => requireTransactions(store, 'the order saga')).toThrow(TransactionsUnsupported);
    expect(() => requireTransactions(store, 'the order saga')).toThrow('event store without transactions: the order saga needs them');
  });

  it('reports the append positions it reads back, and a replay with the original ones', async () => {
    const id = stream();
    client.writeForeignEvent('system');
    const events = [counterEvent(1), counterEvent(2), counterEvent(3)];
    const first = await store.appendToStream(id, events, { expectedVersion: 'no_stream' });
    const { events: read } = await store.readStream(id);
    expect(first).toEqual({
      nextExpectedVersion: 3,
      idempotentReplay: false,
      events: read.map((e) => ({ eventId: e.eventId, streamPosition: e.streamPosition, globalPosition: e.globalPosition })),
    });
    await store.appendToStream(id, [counterEvent(4)], { expectedVersion: 3 });
    // An exact expectation below the current version is still recognised as a replay.
    const again = await store.appendToStream(id, events, { expectedVersion: 'no_stream' });
    expect(again).toEqual({ ...first, idempotentReplay: true });
    expect(await store.appendToStream(id, events.slice(1), { expectedVersion: 1 })).toMatchObject({ idempotentReplay: true, nextExpectedVersion: 3 });
  });

  it('raises DuplicateEventIdConflict for a batch that repeats some stored ids or repeats an id itself', async () => {
    const id = stream();
    const [a, b] = [counterEvent(1), counterEvent(2)];
    await store.appendToStream(id, [a, b], { expectedVersion: 'no_stream' });
    const partly = [b, counterEvent(3)];
    await expect(store.appendToStream(id, partly, { expectedVersion: 1 })).rejects.toBeInstanceOf(DuplicateEventIdConflict);
    await expect(store.appendToStream(id, [a, counterEvent(3)], { expectedVersion: 'any' })).rejects.toBeInstanceOf(DuplicateEventIdConflict);
    const c = counterEvent(3);
    await expect(store.appendToStream(id, [c, { ...counterEvent(4), eventId: c.eventId }])).rejects.toBeInstanceOf(DuplicateEventIdConflict);
    expect((await store.readStream(id)).currentVersion).toBe(2);
  });

  it('maps WrongExpectedVersion to ConcurrencyConflict with the actual version', async () => {
    const id = stream();
    await store.appendToStream(id, [counterEvent(1), counterEvent(2)]);
    await expect(store.appendToStream(id, [counterEvent(3)], { expectedVersion: 1 })).rejects.toMatchObject({ name: 'ConcurrencyConflict', expected: '1', actual: 2 });
    await expect(store.appendToStream(id, [counterEvent(3)], { expectedVersion: 5 })).rejects.toMatchObject({ expected: '5', actual: 2 });
    const missing = stream();
    const error = await store.appendToStream(missing, [counterEvent(1)], { expectedVersion: 'stream_exists' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(error).toMatchObject({ streamId: missing, expected: 'stream_exists', actual: null });
  });

  it('rejects an invalid expected version before calling the server', async () => {
    await expect(store.appendToStream(stream(), [counterEvent(1)], { expectedVersion: -1 })).rejects.toThrow(RangeError);
    await expect(store.appendToStream(stream(), [counterEvent(1)], { expectedVersion: 1.5 })).rejects.toThrow(RangeError);
  });

  it('documents the server: with `any`, a replay after the id cache is lost appends duplicates', async () => {
    const id = stream();
    const events = [counterEvent(1)];
    await store.appendToStream(id, events, { expectedVersion: 'any' });
    client.forgetCommittedIds();
    const again = await store.appendToStream(id, events, { expectedVersion: 'any' });
    expect(again).toMatchObject({ idempotentReplay: false, nextExpectedVersion: 2 });
    // With the version the writer read, the replay is recognised no matter what the server forgot.
    client.forgetCommittedIds();
    expect(await store.appendToStream(id, events, { expectedVersion: 'no_stream' })).toMatchObject({ idempotentReplay: true, nextExpectedVersion: 1 });
  });

  it('reads a page of a stream with the stream version, and past the end', async () => {
    const id = stream();
    await store.appendToStream(id, [1, 2, 3, 4, 5].map((n) => counterEvent(n)));
    const page = await store.readStream(id, { fromPosition: 2, maxCount: 2 });
    expect(page.events.map((e) => e.streamPosition)).toEqual([2, 3]);
    expect(page.currentVersion).toBe(5);
    expect(await store.readStream(id, { fromPosition: 9 })).toEqual({ events: [], currentVersion: 5 });
    expect(await store.readStream(id, { maxCount: 0 })).toEqual({ events: [], currentVersion: 5 });
    expect((await store.readStream(id, { fromPosition: 4 })).currentVersion).toBe(5);
  });

  it('reads $all strictly after a position, skipping system and foreign events, across pages', async () => {
    client.writeForeignEvent('system');
    const id = stream();
    const appended: string[] = [];
    for (let n = 1; n <= 30; n++) {
      const event = counterEvent(n);
      appended.push(event.eventId);
      await store.appendToStream(id, [event]);
      for (let i = 0; i < 5; i++) client.writeForeignEvent(i % 2 ? 'system' : 'no-metadata');
    }
    const all: RecordedEvent[] = [];
    let after: string | null = null;
    for (;;) {
      const batch = await store.readAll({ after, maxCount: 4 });
      all.push(...batch);
      if (batch.length < 4) break;
      after = batch[batch.length - 1]!.logPosition;
    }
    expect(all.map((e) => e.eventId)).toEqual(appended);
    const positions = all.map((e) => e.globalPosition);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(await store.readAll({ after: all[9]!.logPosition, maxCount: 1 })).toEqual([all[10]]);
    expect(await store.readAll({ after: null, maxCount: 0 })).toEqual([]);
    await expect(store.readAll({ after: '17:4', maxCount: 1 })).resolves.toBeDefined();
    await expect(store.readAll({ after: 'xid:17', maxCount: 1 })).rejects.toThrow(RangeError);
  });

  it('gives the newest delivered event as the head, and counts what lies after a position', async () => {
    expect(await store.headPosition()).toBeNull();
    client.writeForeignEvent('system');
    const onlySystem = await store.headPosition();
    expect(onlySystem).toMatch(/^\d+:\d+$/);
    expect(await store.countAfter(null)).toBe(0);

    const id = stream();
    await store.appendToStream(id, [counterEvent(1), counterEvent(2)]);
    client.writeForeignEvent('system');
    client.writeForeignEvent('no-metadata');
    const { events } = await store.readStream(id);
    expect(await store.headPosition()).toBe(events[1]!.logPosition);
    expect(await store.countAfter(onlySystem)).toBe(2);
    expect(await store.countAfter(events[0]!.logPosition)).toBe(1);
    expect(await store.countAfter(await store.headPosition())).toBe(0);
  });

  it('subscribes in batches of at most batchSize and stops when aborted', async () => {
    const id = stream();
    await store.appendToStream(id, Array.from({ length: 25 }, (_, i) => counterEvent(i + 1)));
    client.writeForeignEvent('system');
    client.writeForeignEvent('no-metadata');
    const controller = new AbortController();
    const batches: RecordedEvent[][] = [];
    const done = (async () => {
      for await (const batch of store.subscribeToAll({ after: null, batchSize: 10, signal: controller.signal })) {
        batches.push(batch);
        if (batches.flat().length === 27) controller.abort();
      }
    })();
    while (batches.flat().length < 25) await new Promise((resolve) => setTimeout(resolve, 5));
    await store.appendToStream(id, [counterEvent(26), counterEvent(27)]);
    await done;
    expect(batches.every((b) => b.length > 0 && b.length <= 10)).toBe(true);
    expect(batches.flat().map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: 27 }, (_, i) => i + 1));
  });

  it('resumes a subscription strictly after its checkpoint and ends it on close()', async () => {
    const id = stream();
    await store.appendToStream(id, [counterEvent(1), counterEvent(2), counterEvent(3)]);
    const { events } = await store.readStream(id);
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const done = (async () => {
      for await (const batch of store.subscribeToAll({ after: events[0]!.logPosition, signal: controller.signal })) received.push(...batch);
    })();
    while (received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await store.close();
    await done;
    expect(received.map((e) => e.streamPosition)).toEqual([2, 3]);
    expect(client.disposed).toBe(true);
  });

  it('never delivers the checkpoint event again, even from a server that starts at it', async () => {
    const inclusive = new SimulatedEsdbClient({ inclusiveSubscriptionStart: true });
    const other = new EventStoreDbEventStore({ client: inclusive.asClient(), catalog: contractTestCatalog });
    const id = stream();
    await other.appendToStream(id, [counterEvent(1), counterEvent(2)]);
    const { events } = await other.readStream(id);
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    for await (const batch of other.subscribeToAll({ after: events[0]!.logPosition, signal: controller.signal })) {
      received.push(...batch);
      if (received.length >= 1) controller.abort();
    }
    expect(received.map((e) => e.eventId)).toEqual([events[1]!.eventId]);
    await other.close();
  });

  it('returns at once from a subscription whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const batches: RecordedEvent[][] = [];
    for await (const batch of store.subscribeToAll({ after: null, signal: controller.signal })) batches.push(batch);
    expect(batches).toEqual([]);
  });
});
