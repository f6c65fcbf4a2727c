import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { contractTestCatalog, counterEvent, describeEventStoreContract } from '@stockflow/event-sourcing/testing';
import { randomUUID } from 'node:crypto';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';

// Runs against a real EventStoreDB (22.6+) when EVENTSTORE_URL is set, e.g.
//   docker run -d -p 2113:2113 eventstore/eventstore:24.10 --insecure --run-projections=None
//   EVENTSTORE_URL='esdb://127.0.0.1:2113?tls=false' npm run test:esdb   (this and everything else on the server)
// The server's $all is shared by every run and holds system events: stream ids are random per run,
// and every assertion on the global log filters by the streams the test wrote.
const connectionString = process.env['EVENTSTORE_URL'];

if (connectionString) {
  describeEventStoreContract('eventstoredb', async () => {
    const store = await EventStoreDbEventStore.connect({ connectionString, catalog: contractTestCatalog });
    return { store, teardown: () => store.close() };
  });

  // As a context runs on it (ADR 0046): its streams under a prefix of this run's own.
  describeEventStoreContract('eventstoredb with a stream prefix', async () => {
    const store = await EventStoreDbEventStore.connect({ connectionString, catalog: contractTestCatalog, streamPrefix: `contract-${randomUUID().slice(0, 8)}.` });
    return { store, teardown: () => store.close() };
  });

  describe('EventStoreDbEventStore on EventStoreDB', () => {
    let store: EventStoreDbEventStore;
    const stream = (): string => `counter-${randomUUID()}`;

    beforeAll(async () => {
      store = await EventStoreDbEventStore.connect({ connectionString, catalog: contractTestCatalog });
    });
    afterAll(async () => {
      await store?.close();
    });

    it('gives each event of one append its own global position, increasing in log order', async () => {
      const result = await store.appendToStream(stream(), [counterEvent(1), counterEvent(2), counterEvent(3)]);
      const positions = result.events.map((e) => e.globalPosition);
      expect(new Set(positions).size).toBe(3);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    });

    it('reads $all strictly after a log position', async () => {
      const id = stream();
      await store.appendToStream(id, [counterEvent(1), counterEvent(2)]);
      const { events } = await store.readStream(id);
      const after = (await store.readAll({ after: events[0]!.logPosition, maxCount: 1000 })).filter((e) => e.streamId === id);
      expect(after.map((e) => e.eventId)).toEqual([events[1]!.eventId]);
    });

    it('recognises a replay with an exact expected version below the current one', async () => {
      const id = stream();
      const first = [counterEvent(1)];
      const appended = await store.appendToStream(id, first, { expectedVersion: 'no_stream' });
      await store.appendToStream(id, [counterEvent(2)], { expectedVersion: 1 });
      expect(await store.appendToStream(id, first, { expectedVersion: 'no_stream' })).toEqual({ ...appended, idempotentReplay: true });
    });

    // Characterises the server rather than the port: EventStoreDB checks event ids per stream only,
    // so unlike the PostgreSQL store it appends an id that another stream already holds.
    it('appends an event id already used in another stream (ids are unique per stream in EventStoreDB)', async () => {
      const event = counterEvent(1);
      await store.appendToStream(stream(), [event]);
      const other = await store.appendToStream(stream(), [event], { expectedVersion: 'no_stream' });
      expect(other.idempotentReplay).toBe(false);
    });
  });
} else {
  console.info('EventStoreDB contract run skipped: EVENTSTORE_URL is not set (no EventStoreDB server runs in this CI)');
  describe.skip('EventStore contract: eventstoredb (needs EVENTSTORE_URL)', () => {
    it('runs the contract suite against an EventStoreDB server', () => undefined);
  });
}
