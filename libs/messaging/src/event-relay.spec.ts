import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import { EnvelopeHeaders, stockflowCatalog } from '@stockflow/contracts';
import { InMemoryCheckpointStore, InMemoryEventStore, type EventToAppend } from '@stockflow/event-sourcing';
import { randomUUID } from 'node:crypto';
import { EventRelay } from './event-relay.js';
import { connectNats } from './nats-connection.js';
import { contextStreamSpec } from './stream-provisioning.js';
import { deleteNamespaceStreams, uniqueNamespace } from './testing/index.js';

const received = (sku: string, quantity: number): EventToAppend => ({
  eventId: randomUUID(),
  type: 'StockReceived',
  schemaVersion: 1,
  data: { sku, quantity },
  correlationId: 'corr',
  causationId: null,
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
});

async function storedMessages(jsm: JetStreamManager, stream: string): Promise<{ id: string; position: string; subject: string }[]> {
  const info = await jsm.streams.info(stream);
  const out: { id: string; position: string; subject: string }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (m) out.push({ id: m.header.get('Nats-Msg-Id'), position: m.header.get(EnvelopeHeaders.logPosition), subject: m.subject });
  }
  return out;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('EventRelay (real NATS JetStream)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const namespace = uniqueNamespace();

  beforeAll(async () => {
    nc = await connectNats({ name: 'relay-spec' });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    // Each test relays into a namespace of its own (the run's namespace plus a letter).
    for (const suffix of ['', 'a', 'b', 'c', 'k', 'f', 'r']) await deleteNamespaceStreams(nc, `${namespace}${suffix}`);
    await nc.close();
  });

  function relayFor(store: InMemoryEventStore, checkpoints: InMemoryCheckpointStore, scheme: { namespace: string }): EventRelay {
    return new EventRelay({ store, checkpoints, js: jetstream(nc), jsm, context: 'inventory', scheme, batchSize: 100, maxInFlight: 64 });
  }

  it('publishes every event once, in log order, with the envelope and its headers, and checkpoints', async () => {
    const scheme = { namespace: `${namespace}a` };
    const store = new InMemoryEventStore(stockflowCatalog);
    const checkpoints = new InMemoryCheckpointStore();
    for (let i = 0; i < 250; i++) await store.appendToStream(`sku-A${i % 7}`, [received(`A${i % 7}`, i + 1)]);
    const relay = relayFor(store, checkpoints, scheme);
    await relay.start();
    const stream = contextStreamSpec('inventory', scheme).name;
    await waitFor(async () => (await jsm.streams.info(stream)).state.messages === 250);
    await relay.stop();

    const log = await store.readAll({ after: null, maxCount: 1000 });
    const messages = await storedMessages(jsm, stream);
    expect(messages.map((m) => m.id)).toEqual(log.map((e) => e.eventId));
    expect(messages[0]!.subject).toBe(`${scheme.namespace}.inventory.sku.StockReceived`);
    expect(await checkpoints.load('relay:inventory')).toBe(log[249]!.logPosition);

    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(first!.json()).toMatchObject({ eventId: log[0]!.eventId, type: 'StockReceived', streamId: 'sku-A0', streamPosition: 1, data: { sku: 'A0', quantity: 1 } });
    expect(first!.header.get('traceparent')).toBe(log[0]!.traceparent);
  });

  it('saves its checkpoint at most once per interval, and the latest position once the log goes quiet', async () => {
    const scheme = { namespace: `${namespace}k` };
    const store = new InMemoryEventStore(stockflowCatalog);
    const saved: string[] = [];
    const checkpoints = new (class extends InMemoryCheckpointStore {
      override async save(subscriber: string, logPosition: string): Promise<void> {
        saved.push(logPosition);
        await super.save(subscriber, logPosition);
      }
    })();
    const relay = new EventRelay({ store, checkpoints, js: jetstream(nc), jsm, context: 'inventory', scheme, batchSize: 5, checkpointIntervalMs: 300 });
    await relay.start();
    const stream = contextStreamSpec('inventory', scheme).name;
    for (let i = 0; i < 20; i++) {
      await store.appendToStream(`sku-C${i}`, [received(`C${i}`, 1)]);
      await waitFor(async () => (await jsm.streams.info(stream)).state.messages === i + 1); // a batch each
    }
    const last = (await store.readAll({ after: null, maxCount: 100 })).at(-1)!.logPosition;
    await waitFor(async () => (await checkpoints.load('relay:inventory')) === last); // trailing save, no stop needed
    await relay.stop();
    expect(saved.length).toBeLessThan(20);
    expect(saved.at(-1)).toBe(last);
  });

  it('resumes after a restart from what the stream holds, even with a stale checkpoint: no gap, no duplicate', async () => {
    const scheme = { namespace: `${namespace}b` };
    const store = new InMemoryEventStore(stockflowCatalog);
    const checkpoints = new InMemoryCheckpointStore();
    for (let i = 0; i < 100; i++) await store.appendToStream('sku-B', [received('B', 1)]);
    const stream = contextStreamSpec('inventory', scheme).name;
    const relay = relayFor(store, checkpoints, scheme);
    await relay.start();
    await waitFor(async () => (await jsm.streams.info(stream)).state.messages === 100);
    await relay.stop();
    // A crash between the publishes and the checkpoint save leaves the checkpoint behind.
    await checkpoints.save('relay:inventory', '10');
    for (let i = 0; i < 50; i++) await store.appendToStream('sku-B', [received('B', 2)]);
    const restarted = relayFor(store, checkpoints, scheme);
    await restarted.start();
    await waitFor(async () => (await jsm.streams.info(stream)).state.messages >= 150);
    await new Promise((r) => setTimeout(r, 200));
    await restarted.stop();
    const log = await store.readAll({ after: null, maxCount: 1000 });
    expect((await storedMessages(jsm, stream)).map((m) => m.id)).toEqual(log.map((e) => e.eventId));
  });

  it('keeps the stream exactly-once and in order when two relays race on one log', async () => {
    const scheme = { namespace: `${namespace}c` };
    const store = new InMemoryEventStore(stockflowCatalog);
    const stream = contextStreamSpec('inventory', scheme).name;
    const a = relayFor(store, new InMemoryCheckpointStore(), scheme);
    const b = relayFor(store, new InMemoryCheckpointStore(), scheme);
    await Promise.all([a.start(), b.start()]);
    for (let i = 0; i < 300; i++) await store.appendToStream(`sku-C${i % 3}`, [received(`C${i % 3}`, 1)]);
    await waitFor(async () => (await jsm.streams.info(stream)).state.messages >= 300, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all([a.stop(), b.stop()]);
    const log = await store.readAll({ after: null, maxCount: 1000 });
    expect((await storedMessages(jsm, stream)).map((m) => m.id)).toEqual(log.map((e) => e.eventId));
  });

  /** Messages another client publishes on the relay's stream: none is the relay's own. */
  async function publishForeign(scheme: { namespace: string }, kind: 'bare' | 'garbage' | 'ahead' | 'forged', realEventId?: string): Promise<void> {
    const h = headers();
    if (kind !== 'bare') {
      h.set(EnvelopeHeaders.logPosition, kind === 'garbage' ? 'not-a-position' : '999999999999:999999999');
      h.set('Nats-Msg-Id', randomUUID());
    }
    // A copy of a real envelope under another id, or a real id under a far-ahead position.
    const body = kind === 'forged' ? { eventId: realEventId, streamId: 'sku-F', streamPosition: 1 } : { eventId: randomUUID(), streamId: 'sku-F', streamPosition: 1 };
    if (kind === 'forged') h.set('Nats-Msg-Id', `${realEventId}-${randomUUID()}`);
    await jetstream(nc).publish(`${scheme.namespace}.inventory.sku.Anything`, JSON.stringify(body), { headers: h });
  }

  it('skips and counts foreign messages: a bare one, a garbage position, a far-ahead position, a forged copy; every event still once, in order', async () => {
    const scheme = { namespace: `${namespace}f` };
    const store = new InMemoryEventStore(stockflowCatalog);
    const checkpoints = new InMemoryCheckpointStore();
    const stream = contextStreamSpec('inventory', scheme).name;
    let foreign = 0;
    const relay = (): EventRelay =>
      new EventRelay({ store, checkpoints, js: jetstream(nc), jsm, context: 'inventory', scheme, batchSize: 10, observer: { foreign: (n) => (foreign += n) } });
    const ownCount = async (): Promise<number> => {
      const ids = new Set((await store.readAll({ after: null, maxCount: 10_000 })).map((e) => e.eventId));
      return (await storedMessages(jsm, stream)).filter((m) => ids.has(m.id)).length;
    };
    let running = relay();
    await running.start();
    let appended = 0;
    const append = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++, appended++) await store.appendToStream(`sku-F${appended % 3}`, [received(`F${appended % 3}`, 1)]);
      await waitFor(async () => (await ownCount()) === appended);
    };
    await append(20);
    for (const kind of ['bare', 'garbage', 'ahead', 'forged'] as const) {
      await publishForeign(scheme, kind, (await store.readAll({ after: null, maxCount: 1 }))[0]!.eventId);
      await append(15); // the running relay: its next publish meets the foreign message
      await publishForeign(scheme, kind, (await store.readAll({ after: null, maxCount: 1 }))[0]!.eventId);
      await running.stop(); // a restart with the foreign message last on the stream
      running = relay();
      await running.start();
      await append(15);
    }
    await running.stop();
    const log = await store.readAll({ after: null, maxCount: 10_000 });
    const ids = new Set(log.map((e) => e.eventId));
    const messages = await storedMessages(jsm, stream);
    expect(messages.filter((m) => ids.has(m.id)).map((m) => m.id)).toEqual(log.map((e) => e.eventId));
    expect(messages.filter((m) => !ids.has(m.id))).toHaveLength(8);
    expect(foreign).toBe(8);
    expect(running.position).toBe(log.at(-1)!.logPosition);
    expect(await checkpoints.load('relay:inventory')).toBe(log.at(-1)!.logPosition);
  });

  it('stays exactly-once and in order with two relays racing while another client keeps writing on the stream', async () => {
    const scheme = { namespace: `${namespace}r` };
    const store = new InMemoryEventStore(stockflowCatalog);
    const stream = contextStreamSpec('inventory', scheme).name;
    const a = relayFor(store, new InMemoryCheckpointStore(), scheme);
    const b = relayFor(store, new InMemoryCheckpointStore(), scheme);
    await Promise.all([a.start(), b.start()]);
    const kinds = ['bare', 'garbage', 'ahead'] as const;
    const intruder = (async () => {
      for (let i = 0; i < 30; i++) {
        await publishForeign(scheme, kinds[i % 3]!);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    for (let i = 0; i < 300; i++) await store.appendToStream(`sku-R${i % 3}`, [received(`R${i % 3}`, 1)]);
    await intruder;
    const log = await store.readAll({ after: null, maxCount: 1000 });
    const ids = new Set(log.map((e) => e.eventId));
    await waitFor(async () => (await storedMessages(jsm, stream)).filter((m) => ids.has(m.id)).length >= 300, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all([a.stop(), b.stop()]);
    const messages = await storedMessages(jsm, stream);
    expect(messages.filter((m) => ids.has(m.id)).map((m) => m.id)).toEqual(log.map((e) => e.eventId));
    expect(messages.filter((m) => !ids.has(m.id))).toHaveLength(30);
  }, 60_000);
});
