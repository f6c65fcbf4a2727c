import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { EnvelopeHeaders, stockflowCatalog } from '@stockflow/contracts';
import { DeadLetterHeaders } from './dead-letter.js';
import { DurableEventConsumer, perKeyConcurrency, type EventHandler } from './durable-event-consumer.js';
import type { ReceivedEvent } from './received-event.js';
import { PoisonMessageError } from './handler-errors.js';
import { connectNats } from './nats-connection.js';
import { contextStreamSpec, deadLetterStreamSpec, ensureStream } from './stream-provisioning.js';
import { deleteNamespaceStreams, relayHeaders, testEnvelope as envelope, uniqueNamespace } from './testing/index.js';

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DurableEventConsumer (real NATS JetStream)', () => {
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  const namespace = uniqueNamespace();
  const scheme = { namespace };
  const stream = contextStreamSpec('inventory', scheme).name;
  const subject = (type: string): string => `${namespace}.inventory.sku.${type}`;
  const publish = (type: string, body: unknown): Promise<unknown> =>
    js.publish(subject(type), typeof body === 'string' ? body : JSON.stringify(body), { headers: relayHeaders() });

  beforeAll(async () => {
    nc = await connectNats({ name: 'consumer-spec' });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    await ensureStream(jsm, contextStreamSpec('inventory', scheme));
  });
  afterAll(async () => {
    await deleteNamespaceStreams(nc, namespace);
    await nc.close();
  });

  function consumer(durable: string, handlers: Record<string, EventHandler>, filterType: string): DurableEventConsumer {
    return new DurableEventConsumer({
      js,
      jsm,
      catalog: stockflowCatalog,
      stream,
      durable,
      filterSubject: subject(filterType),
      handlers: new Map(Object.entries(handlers)),
      scheme,
      retry: { maxDeliveries: 3, backoffMs: [50] },
      ackWaitMs: 5000,
    });
  }

  async function deadLetters(durable: string): Promise<{ reason: string; error: string; body: string }[]> {
    const dlq = deadLetterStreamSpec(scheme).name;
    const info = await jsm.streams.info(dlq);
    const out: { reason: string; error: string; body: string }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(dlq, { seq }).catch(() => null);
      if (m && m.header.get(DeadLetterHeaders.consumer) === durable) {
        out.push({ reason: m.header.get(DeadLetterHeaders.reason), error: m.header.get(DeadLetterHeaders.error), body: m.string() });
      }
    }
    return out;
  }

  it('dead-letters poison messages with the reason and still handles the events behind them', async () => {
    const handled: number[] = [];
    const c = consumer('poison', {
      StockReceived: async (e: ReceivedEvent) => {
        const { quantity } = e.data as { quantity: number };
        if (quantity === 13) throw new PoisonMessageError('13 is refused by this handler');
        handled.push(quantity);
      },
    }, 'StockReceived');
    await publish('StockReceived', envelope('StockReceived', { sku: 'X', quantity: 1 }));
    await publish('StockReceived', '{ this is not json');
    await publish('StockReceived', envelope('StockReceived', { sku: 'X', quantity: -5 }));
    await publish('StockReceived', envelope('StockReceived', { sku: 'X', quantity: 1 }, 9));
    await publish('StockReceived', envelope('StockReceived', { sku: 'X', quantity: 13 }));
    await publish('StockReceived', envelope('StockReceived', { sku: 'X', quantity: 2 }));
    // A valid event, but not from a relay (no log position): a forgery that got past the NATS permissions.
    await js.publish(subject('StockReceived'), JSON.stringify(envelope('StockReceived', { sku: 'X', quantity: 99 })));
    await publish('StockReceived', envelope('StockReceived', { sku: 'X', quantity: 3 }));
    await c.start();
    await waitFor(() => handled.length === 3);
    await waitFor(async () => (await deadLetters('poison')).length === 5);
    await c.stop();
    expect(handled).toEqual([1, 2, 3]);
    const letters = await deadLetters('poison');
    expect(letters.map((l) => l.reason)).toEqual(['malformed-message', 'invalid-payload', 'unknown-version', 'rejected-by-handler', 'not-relayed']);
    expect(letters[0]!.body).toBe('{ this is not json');
    expect(letters[2]!.error).toContain('unknown-version');
    const info = await jsm.consumers.info(stream, 'poison');
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  it('retries a transient failure with backoff and handles the event once it succeeds', async () => {
    const attempts: number[] = [];
    const c = consumer('transient', {
      StockAdjusted: async (e) => {
        attempts.push(e.deliveryCount);
        if (e.deliveryCount < 3) throw new Error('database briefly unavailable');
      },
    }, 'StockAdjusted');
    await publish('StockAdjusted', envelope('StockAdjusted', { sku: 'X', delta: -1, reason: 'damaged' }));
    await c.start();
    await waitFor(() => attempts.length === 3);
    await new Promise((r) => setTimeout(r, 300));
    await c.stop();
    expect(attempts).toEqual([1, 2, 3]);
    expect(await deadLetters('transient')).toEqual([]);
  });

  it('dead-letters a message that keeps failing after its delivery budget and goes on', async () => {
    const seen: string[] = [];
    const c = consumer('budget', {
      OutOfStock: async (e) => {
        const { sku } = e.data as { sku: string };
        seen.push(sku);
        if (sku === 'BAD') throw new Error('always fails');
      },
    }, 'OutOfStock');
    await publish('OutOfStock', envelope('OutOfStock', { sku: 'BAD' }));
    await publish('OutOfStock', envelope('OutOfStock', { sku: 'GOOD' }));
    await c.start();
    await waitFor(async () => (await deadLetters('budget')).length === 1);
    await waitFor(() => seen.includes('GOOD'));
    await c.stop();
    expect(seen.filter((s) => s === 'BAD')).toHaveLength(3);
    const [letter] = await deadLetters('budget');
    expect(letter!.reason).toBe('max-deliveries');
    expect(letter!.error).toContain('always fails');
  });

  it('continues after a restart where it left off', async () => {
    const seen: number[] = [];
    const handlers = { BackInStock: async (e: ReceivedEvent) => void seen.push((e.data as { available: number }).available) };
    const first = consumer('restart', handlers, 'BackInStock');
    await first.start();
    for (const n of [1, 2, 3]) await publish('BackInStock', envelope('BackInStock', { sku: 'R', available: n }));
    await waitFor(() => seen.length === 3);
    await first.stop();
    for (const n of [4, 5]) await publish('BackInStock', envelope('BackInStock', { sku: 'R', available: n }));
    const second = consumer('restart', handlers, 'BackInStock');
    await second.start();
    await waitFor(() => seen.length === 5);
    await new Promise((r) => setTimeout(r, 200));
    await second.stop();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('asks the server only for the one type it handles in its scope, and acknowledges every message', async () => {
    const seen: number[] = [];
    const c = consumer('narrow', { BackInStock: async (e: ReceivedEvent) => void seen.push((e.data as { available: number }).available) }, '>');
    for (let i = 0; i < 3; i++) await publish('OutOfStock', envelope('OutOfStock', { sku: 'N' }));
    for (const n of [7, 8]) await publish('BackInStock', envelope('BackInStock', { sku: 'N', available: n }));
    await c.start();
    await waitFor(() => seen.includes(8));
    const info = await jsm.consumers.info(stream, 'narrow');
    expect(info.config.filter_subject).toBe(subject('BackInStock'));
    // Only BackInStock messages were delivered (the earlier tests published some too).
    const backInStock = (await jsm.streams.info(stream, { subjects_filter: subject('BackInStock') })).state.subjects?.[subject('BackInStock')];
    await waitFor(async () => (await jsm.consumers.info(stream, 'narrow')).num_ack_pending === 0);
    const settled = await jsm.consumers.info(stream, 'narrow');
    expect(settled.delivered.consumer_seq).toBe(backInStock);
    expect(settled.num_pending).toBe(0);
    await c.stop();
  });

  it('acknowledges a message of a type it does not handle by its type header, without reading the body', async () => {
    const seen: number[] = [];
    const c = consumer('unhandled-type', {
      BackInStock: async (e: ReceivedEvent) => void seen.push((e.data as { available: number }).available),
      LowStock: async () => undefined,
    }, '>');
    const typed = relayHeaders();
    typed.set(EnvelopeHeaders.eventType, 'OutOfStock');
    // Not even JSON: a consumer that decoded before skipping would dead-letter it.
    await js.publish(subject('OutOfStock'), '{ not read', { headers: typed });
    await publish('BackInStock', envelope('BackInStock', { sku: 'U', available: 41 }));
    await c.start();
    await waitFor(() => seen.includes(41));
    await waitFor(async () => (await jsm.consumers.info(stream, 'unhandled-type')).num_ack_pending === 0);
    await c.stop();
    // (The earlier tests' poison, on this stream too, is dead-lettered as before: it has no type header.)
    expect((await deadLetters('unhandled-type')).filter((letter) => letter.body === '{ not read')).toEqual([]);
    expect((await jsm.consumers.info(stream, 'unhandled-type')).num_pending).toBe(0);
  });

  it('a backlog that takes longer than the ack wait to work off is handled once per message: what it holds is kept alive', async () => {
    // After an outage or a restart a consumer meets a backlog; a handler slowed by load (here 40 ms)
    // then works for longer than the ack wait through what the client prefetched. Without keeping
    // those messages alive the server redelivers them while they wait, and each is handled again.
    const handled: number[] = [];
    const c = new DurableEventConsumer({
      js,
      jsm,
      catalog: stockflowCatalog,
      stream,
      durable: 'backlog',
      filterSubject: subject('StockLevelChanged'),
      handlers: new Map([['StockLevelChanged', async (e: ReceivedEvent) => {
        await new Promise((r) => setTimeout(r, 40));
        handled.push((e.data as { onHand: number }).onHand);
      }]]),
      scheme,
      ackWaitMs: 1000,
    });
    const total = 60; // 2.4 s of work: more than twice the ack wait
    await Promise.all(Array.from({ length: total }, (_, i) => publish('StockLevelChanged', envelope('StockLevelChanged', { sku: 'B', onHand: i, reserved: 0, available: i }))));
    await c.start();
    await waitFor(() => handled.length >= total, 20_000);
    await waitFor(async () => (await jsm.consumers.info(stream, 'backlog')).num_ack_pending === 0);
    await new Promise((r) => setTimeout(r, 1500)); // one more ack wait: a redelivery would show now
    await c.stop();
    const info = await jsm.consumers.info(stream, 'backlog');
    expect(info.num_redelivered).toBe(0);
    expect(handled).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('with per-key concurrency: different SKUs at once, one SKU one at a time in order, each message once; a retried one holds only its own SKU', async () => {
    const skus = ['KA', 'KB', 'KC', 'KD'];
    const perSku = 10;
    const handled = new Map<string, number[]>(skus.map((sku) => [sku, []]));
    let running = 0;
    let mostRunning = 0;
    const runningPerSku = new Map<string, number>();
    let overlapsWithinSku = 0;
    let failedOnce = false;
    const c = new DurableEventConsumer({
      js,
      jsm,
      catalog: stockflowCatalog,
      stream,
      durable: 'per-key',
      filterSubject: subject('StockReceived'),
      handlers: new Map([
        [
          'StockReceived',
          async (e: ReceivedEvent) => {
            const { sku, quantity } = e.data as { sku: string; quantity: number };
            if (!handled.has(sku)) return; // the other tests' StockReceived
            running++;
            mostRunning = Math.max(mostRunning, running);
            runningPerSku.set(sku, (runningPerSku.get(sku) ?? 0) + 1);
            if (runningPerSku.get(sku)! > 1) overlapsWithinSku++;
            await new Promise((r) => setTimeout(r, 5));
            runningPerSku.set(sku, runningPerSku.get(sku)! - 1);
            running--;
            if (sku === 'KD' && quantity === 1 && !failedOnce) {
              failedOnce = true;
              throw new Error('database briefly unavailable');
            }
            handled.get(sku)!.push(quantity);
          },
        ],
      ]),
      scheme,
      retry: { maxDeliveries: 3, backoffMs: [300] },
      concurrency: perKeyConcurrency('sku', 8),
    });
    for (let quantity = 1; quantity <= perSku; quantity++) {
      for (const sku of skus) await publish('StockReceived', envelope('StockReceived', { sku, quantity }));
    }
    await c.start();
    await waitFor(() => [...handled.values()].every((quantities) => quantities.length === perSku));
    await waitFor(async () => (await jsm.consumers.info(stream, 'per-key')).num_ack_pending === 0);
    await c.stop();
    expect(mostRunning).toBeGreaterThan(1);
    expect(overlapsWithinSku).toBe(0);
    const inOrder = Array.from({ length: perSku }, (_, i) => i + 1);
    for (const sku of ['KA', 'KB', 'KC']) expect(handled.get(sku)).toEqual(inOrder);
    // The failed message was nak'ed with a delay and came back after KD's later messages, as without concurrency.
    expect([...handled.get('KD')!].sort((a, b) => a - b)).toEqual(inOrder);
    expect(handled.get('KD')![perSku - 1]).toBe(1);
    const info = await jsm.consumers.info(stream, 'per-key');
    expect(info.num_pending).toBe(0);
  });

  it('reports its lag from the server once idle, so the gauge does not keep a stale count', async () => {
    const reports: number[] = [];
    const c = new DurableEventConsumer({
      js,
      jsm,
      catalog: stockflowCatalog,
      stream,
      durable: 'idle-lag',
      filterSubject: subject('>'),
      handlers: new Map(),
      scheme,
      observer: { pending: (n) => void reports.push(n) },
    });
    await publish('OutOfStock', envelope('OutOfStock', { sku: 'L' }));
    await c.start();
    const handled = (await jsm.streams.info(stream)).state.messages;
    await waitFor(() => reports.length >= handled + 1, 10_000); // every message, then the idle refresh
    await c.stop();
    expect(reports[reports.length - 1]).toBe(0);
  });
});
