// The order saga's requests arrive on JetStream; inventory's answers leave through its relay. Both
// ends are real: requests are published as the saga would publish them, and the service's own relay
// (ADR 0043) turns inventory's log into its stream, where the answers are read back.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { contextStreamName, eventSubject, type EventEnvelope } from '@stockflow/contracts';
import { connectNats, type NatsConnection } from '@stockflow/messaging';
import { relayHeaders } from '@stockflow/messaging/testing';
import { newTraceparent } from '@stockflow/platform';
import { randomUUID } from 'node:crypto';
import { startInventoryHarness, type InventoryHarness } from '../testing/inventory-harness.js';
import { RESERVATIONS_CONSUMER } from './reservations.handler.js';

const decoder = new TextDecoder();

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('reservation requests from the order saga (real PostgreSQL, NATS, relay)', () => {
  let inv: InventoryHarness;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let inventoryStream: string;
  let ordersStream: string;
  let sagaPosition = 0;

  beforeAll(async () => {
    inv = await startInventoryHarness();
    nc = await connectNats({ name: 'inventory-reservations-spec' });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    const scheme = { namespace: inv.namespace };
    inventoryStream = contextStreamName('inventory', scheme);
    ordersStream = contextStreamName('orders', scheme);
  }, 30_000);
  afterAll(async () => {
    await nc?.close();
    await inv?.stop();
  });

  function sagaEvent<T>(type: 'ReservationRequested' | 'ReservationReleaseRequested', data: T & { orderId: string }): EventEnvelope<string, T> {
    sagaPosition++;
    return {
      eventId: randomUUID(),
      type,
      schemaVersion: 1,
      streamId: `ordersaga-${data.orderId}`,
      streamPosition: sagaPosition,
      globalPosition: sagaPosition,
      occurredAt: new Date().toISOString(),
      correlationId: `checkout-${data.orderId}`,
      causationId: randomUUID(),
      traceparent: newTraceparent(),
      data,
    };
  }

  /** Publishes as the saga's relay would (message id = event id), or as a plain redelivery when `msgID` is false. */
  async function publish(envelope: EventEnvelope, msgID = true): Promise<void> {
    const subject = eventSubject('orders', 'ordersaga', envelope.type, { namespace: inv.namespace });
    await js.publish(subject, JSON.stringify(envelope), msgID ? { msgID: envelope.eventId, headers: relayHeaders() } : { headers: relayHeaders() });
  }

  /** Waits until the consumer has handled (and acked) everything on the orders stream. */
  async function consumerIdle(): Promise<void> {
    await waitFor('the reservations consumer to catch up', async () => {
      const stream = await jsm.streams.info(ordersStream);
      const consumer = await jsm.consumers.info(ordersStream, RESERVATIONS_CONSUMER.durable);
      return consumer.num_pending === 0 && consumer.num_ack_pending === 0 && consumer.ack_floor.stream_seq === stream.state.last_seq;
    });
  }

  /** Every message on inventory's stream, once the relay has published every stored event. */
  async function publishedEvents(): Promise<EventEnvelope[]> {
    const stored = (await inv.logState()).events;
    // The relay provisions its stream once it leads, which may come after the first appends.
    const onStream = (): Promise<number> => jsm.streams.info(inventoryStream).then((info) => info.state.messages, () => 0);
    await waitFor('the relay to publish every stored event', async () => (await onStream()) === stored);
    const info = await jsm.streams.info(inventoryStream);
    const events: EventEnvelope[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(inventoryStream, { seq });
      events.push(JSON.parse(decoder.decode(message!.data)) as EventEnvelope);
    }
    return events;
  }

  const answersTo = (events: EventEnvelope[], request: EventEnvelope) => events.filter((e) => e.causationId === request.eventId);

  it('reserves, rejects when short, rejects an unknown SKU with available 0, and releases — each answer on inventory’s stream', async () => {
    await inv.http().post('/skus').send({ sku: 'C-1', name: 'consumer', lowStockThreshold: 1 }).expect(201);
    await inv.http().post('/skus/C-1/receipts').send({ quantity: 5 }).expect(200);

    const reserve1 = sagaEvent('ReservationRequested', { orderId: 'o-1', sku: 'C-1', quantity: 3 });
    const reserve2 = sagaEvent('ReservationRequested', { orderId: 'o-2', sku: 'C-1', quantity: 4 });
    const unknown = sagaEvent('ReservationRequested', { orderId: 'o-3', sku: 'NEVER-REGISTERED', quantity: 1 });
    const reserve4 = sagaEvent('ReservationRequested', { orderId: 'o-4', sku: 'C-1', quantity: 2 });
    const release4 = sagaEvent('ReservationReleaseRequested', { orderId: 'o-4', sku: 'C-1' });
    const releaseRejected = sagaEvent('ReservationReleaseRequested', { orderId: 'o-2', sku: 'C-1' });
    for (const request of [reserve1, reserve2, unknown, reserve4, release4, releaseRejected]) await publish(request);
    await consumerIdle();
    const events = await publishedEvents();

    const reserved = answersTo(events, reserve1);
    expect(reserved.map((e) => [e.type, e.data])).toEqual([
      ['StockReserved', { sku: 'C-1', orderId: 'o-1', quantity: 3 }],
      ['StockLevelChanged', { sku: 'C-1', onHand: 5, reserved: 3, available: 2 }],
    ]);
    for (const answer of reserved) {
      expect(answer).toMatchObject({ streamId: 'sku-C-1', causationId: reserve1.eventId, correlationId: reserve1.correlationId, traceparent: reserve1.traceparent });
    }
    expect(answersTo(events, reserve2).map((e) => [e.type, e.data])).toEqual([
      ['StockReservationRejected', { sku: 'C-1', orderId: 'o-2', requested: 4, available: 2 }],
    ]);
    expect(answersTo(events, unknown).map((e) => [e.type, e.streamId, e.data])).toEqual([
      ['StockReservationRejected', 'sku-NEVER-REGISTERED', { sku: 'NEVER-REGISTERED', orderId: 'o-3', requested: 1, available: 0 }],
    ]);
    expect(answersTo(events, reserve4).map((e) => e.type)).toEqual(['StockReserved', 'StockLevelChanged', 'OutOfStock']);
    expect(answersTo(events, release4).map((e) => [e.type, e.data])).toEqual([
      ['ReservationReleased', { sku: 'C-1', orderId: 'o-4', quantity: 2 }],
      ['StockLevelChanged', { sku: 'C-1', onHand: 5, reserved: 3, available: 2 }],
      ['BackInStock', { sku: 'C-1', available: 2 }],
    ]);
    expect(answersTo(events, releaseRejected)).toEqual([]); // o-2 holds nothing: no answer needed

    // The subjects the saga and the notifier subscribe to.
    const message = await jsm.streams.getMessage(inventoryStream, { last_by_subj: `${inv.namespace}.inventory.sku.BackInStock` });
    expect(JSON.parse(decoder.decode(message!.data)).causationId).toBe(release4.eventId);
    expect((await inv.http().get('/skus/C-1').expect(200)).body).toMatchObject({ onHand: 5, reserved: 3, available: 2 });
  });

  it('changes nothing when a request is delivered again', async () => {
    await inv.http().post('/skus').send({ sku: 'C-2', name: 'redelivery' }).expect(201);
    await inv.http().post('/skus/C-2/receipts').send({ quantity: 2 }).expect(200);
    const reserve = sagaEvent('ReservationRequested', { orderId: 'o-10', sku: 'C-2', quantity: 2 });
    const rejected = sagaEvent('ReservationRequested', { orderId: 'o-11', sku: 'C-2', quantity: 1 });
    const release = sagaEvent('ReservationReleaseRequested', { orderId: 'o-11', sku: 'C-2' });
    for (const request of [reserve, rejected, release]) await publish(request);
    await consumerIdle();
    const before = await publishedEvents();
    const footprint = await inv.logState();
    expect(answersTo(before, reserve).map((e) => e.type)).toEqual(['StockReserved', 'StockLevelChanged', 'OutOfStock']);
    expect(answersTo(before, rejected).map((e) => e.type)).toEqual(['StockReservationRejected']);

    // The same envelopes again, as messages of their own (past JetStream's duplicate window), twice.
    for (let round = 0; round < 2; round++) for (const request of [reserve, rejected, release]) await publish(request, false);
    // A stock change in between must not make the old rejection turn into a reservation.
    await inv.http().post('/skus/C-2/receipts').send({ quantity: 10 }).expect(200);
    await publish(rejected, false);
    await consumerIdle();
    const after = await publishedEvents();
    expect((await inv.logState()).events).toBe(footprint.events + 3); // the receipt's StockReceived, StockLevelChanged, BackInStock; nothing else
    expect(answersTo(after, reserve)).toEqual(answersTo(before, reserve));
    expect(answersTo(after, rejected)).toEqual(answersTo(before, rejected));
    expect((await inv.http().get('/skus/C-2').expect(200)).body).toMatchObject({ onHand: 12, reserved: 2, available: 10 });
  });

  it('counts handled requests in the service’s metrics', async () => {
    const metrics = await inv.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/consumer_handled_total\{consumer="inventory-reservations",outcome="ok"\} (\d+)/);
    const handled = Number(/consumer_handled_total\{consumer="inventory-reservations",outcome="ok"\} (\d+)/.exec(metrics.text)![1]);
    expect(handled).toBe(16);
  });
});
