// The relay on the EventStoreDB adapter (ADR 0046), over the in-process model of the server (or the
// server at EVENTSTORE_URL when it is set, `npm run test:esdb`): a
// catch-up subscription to `$all` filtered to the context's stream prefix, publishing with the same
// subjects, Nats-Msg-Id and expected-last-message fencing as on PostgreSQL. It is killed while the
// log keeps growing (its connection to the server cut, its last checkpoint lost) and a new one
// resumes from what the stream holds: every event of the context once, in log order, and none of
// another prefix's.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { EnvelopeHeaders, stockflowCatalog } from '@stockflow/contracts';
import { InMemoryCheckpointStore, type CheckpointStore, type EventToAppend } from '@stockflow/event-sourcing';
import { connectEsdbClient, EventStoreDbEventStore, type EsdbClient } from '@stockflow/eventstoredb';
import { SimulatedEsdbClient } from '@stockflow/eventstoredb/testing';
import { randomUUID } from 'node:crypto';
import { EventRelay } from './event-relay.js';
import { connectNats } from './nats-connection.js';
import { contextStreamSpec } from './stream-provisioning.js';
import { deleteNamespaceStreams, uniqueNamespace } from './testing/index.js';

const received = (sku: string, n: number): EventToAppend => ({
  eventId: randomUUID(),
  type: 'StockReceived',
  schemaVersion: 1,
  data: { sku, quantity: n + 1 },
  correlationId: 'corr',
  causationId: null,
  traceparent: null,
});

/** Checkpoints of a process that can die: once killed, what it would still save is lost. */
class MortalCheckpoints implements CheckpointStore {
  dead = false;
  constructor(private readonly durable: CheckpointStore) {}
  load(subscriber: string): Promise<string | null> {
    return this.durable.load(subscriber);
  }
  async save(subscriber: string, position: string): Promise<void> {
    if (!this.dead) await this.durable.save(subscriber, position);
  }
}

describe('EventRelay on the EventStoreDB adapter (in-process model of the server, real NATS JetStream)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const scheme = { namespace: uniqueNamespace() };
  const stream = contextStreamSpec('inventory', scheme).name;

  beforeAll(async () => {
    nc = await connectNats({ name: 'relay-esdb-spec' });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await deleteNamespaceStreams(nc, scheme.namespace);
    await nc.close();
  });

  async function published(): Promise<{ id: string; position: string; subject: string }[]> {
    const info = await jsm.streams.info(stream);
    const out: { id: string; position: string; subject: string }[] = [];
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      if (m) out.push({ id: m.header.get('Nats-Msg-Id'), position: m.header.get(EnvelopeHeaders.logPosition), subject: m.subject });
    }
    return out;
  }

  async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('killed mid-stream and resumed: every event of its prefix once, in log order, with the log positions of the server', async () => {
    const url = process.env['EVENTSTORE_URL'];
    const model = new SimulatedEsdbClient({ systemEventEvery: 7 });
    // Each process has a client of its own to the one server; on a real one the run's prefixes are its own.
    const clients: EsdbClient[] = [];
    const client = (): EsdbClient => {
      const made = url ? connectEsdbClient(url) : model.asClient();
      clients.push(made);
      return made;
    };
    const prefix = url ? `inventory-${scheme.namespace}.` : 'inventory.';
    const writer = new EventStoreDbEventStore({ client: client(), catalog: stockflowCatalog, streamPrefix: prefix });
    const neighbour = new EventStoreDbEventStore({ client: client(), catalog: stockflowCatalog, streamPrefix: url ? `carts-${scheme.namespace}.` : 'carts.' });
    const relayStore = (): EventStoreDbEventStore => new EventStoreDbEventStore({ client: client(), catalog: stockflowCatalog, streamPrefix: prefix });
    const durable = new InMemoryCheckpointStore();
    const relayOn = (store: EventStoreDbEventStore, checkpoints: CheckpointStore): EventRelay =>
      new EventRelay({ store, checkpoints, js: jetstream(nc), jsm, context: 'inventory', scheme, batchSize: 50, maxInFlight: 32, checkpointIntervalMs: 50 });

    const TOTAL = 1_500;
    let written = 0;
    const writing = (async () => {
      for (; written < TOTAL; written++) {
        const sku = `S${written % 30}`;
        await writer.appendToStream(`sku-${sku}`, [received(sku, written)]);
        if (written % 10 === 0) await neighbour.appendToStream(`cart-${written}`, [received('not-relayed', written)]);
        if (written % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const firstStore = relayStore();
    const firstCheckpoints = new MortalCheckpoints(durable);
    const first = relayOn(firstStore, firstCheckpoints);
    await first.start();
    await until(async () => (await jsm.streams.info(stream)).state.messages >= 400, '400 events relayed');
    // The kill: its connection to the server is cut mid-subscription and nothing more it saves survives.
    firstCheckpoints.dead = true;
    await firstStore.close();
    if (url) await clients[2]!.dispose();
    await first.stop();
    const atKill = (await jsm.streams.info(stream)).state.messages;
    const checkpointAtKill = await durable.load('relay:inventory');

    const second = relayOn(relayStore(), durable);
    await second.start();
    await writing;
    await until(async () => (await jsm.streams.info(stream)).state.messages >= TOTAL, `all ${TOTAL} events on the stream`);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more may follow
    await second.stop();

    const log = await writer.readAll({ after: null, maxCount: TOTAL + 10 });
    expect(log).toHaveLength(TOTAL);
    const messages = await published();
    expect(messages.map((m) => m.id)).toEqual(log.map((e) => e.eventId));
    expect(messages.map((m) => m.position)).toEqual(log.map((e) => e.logPosition));
    expect(new Set(messages.map((m) => m.subject.split('.').slice(-2, -1)[0]))).toEqual(new Set(['sku']));
    // The kill came mid-stream; the second relay resumed after its own newest message on the stream
    // (ADR 0017), whatever its lost checkpoint said.
    expect(atKill).toBeGreaterThanOrEqual(400);
    expect(atKill).toBeLessThan(TOTAL);
    console.log(`relay on the EventStoreDB model: killed after ${atKill} of ${TOTAL} events (checkpoint then: ${checkpointAtKill ?? 'none'}); resumed, ${messages.length} on the stream, each once, in log order`);
    await writer.close();
    await neighbour.close();
    if (url) for (const made of clients) await made.dispose();
  }, 120_000);
});
