import { describe, expect, it, jest } from '@jest/globals';
import type { RecordedEvent } from '@stockflow/event-sourcing';
import { randomUUID } from 'node:crypto';
import { OrderCommands } from '../shared/order-commands.js';
import { eventually } from '@stockflow/testing';
import { OrdersTestSystem, typesAndData } from '../testing/orders-test-system.js';
import { OrderSagaHandlers } from './order-saga.handlers.js';
import { OrderSagaProcess } from './order-saga.process.js';

const outcomes = (events: readonly RecordedEvent[]) =>
  events.filter((e) => e.type === 'OrderSagaCompleted').map((e) => (e.data as { outcome: string }).outcome);
const ofType = (events: readonly RecordedEvent[], type: string) => events.filter((e) => e.type === type);

describe('order saga (real PostgreSQL and NATS; inventory played by the test)', () => {
  let system: OrdersTestSystem;
  OrdersTestSystem.forSuite((started) => (system = started));

  it('confirms an order when every line is reserved', async () => {
    system.inventory.stock('OK-A', 10).stock('OK-B', 10).stock('OK-C', 10);
    const response = await system.http
      .post('/orders')
      .set('X-Correlation-Id', 'corr-saga-ok')
      .send({ customerId: 'c-ok', lines: [{ sku: 'OK-A', quantity: 2 }, { sku: 'OK-B', quantity: 3 }, { sku: 'OK-C', quantity: 1 }] })
      .expect(202);
    const id = response.body.orderId as string;
    const order = await system.orderReaches(id, 'confirmed');
    expect(order).toEqual({
      orderId: id,
      customerId: 'c-ok',
      lines: [{ sku: 'OK-A', quantity: 2 }, { sku: 'OK-B', quantity: 3 }, { sku: 'OK-C', quantity: 1 }],
      status: 'confirmed',
      version: 2,
    });

    const saga = await system.sagaEvents(id);
    expect(saga.map((e) => e.type)).toEqual([
      'OrderSagaStarted',
      'ReservationRequested',
      'ReservationRequested',
      'ReservationRequested',
      'LineReservationRecorded',
      'LineReservationRecorded',
      'LineReservationRecorded',
      'OrderSagaCompleted',
    ]);
    expect(typesAndData(ofType(saga, 'ReservationRequested')).map((e) => e.data)).toEqual([
      { orderId: id, sku: 'OK-A', quantity: 2 },
      { orderId: id, sku: 'OK-B', quantity: 3 },
      { orderId: id, sku: 'OK-C', quantity: 1 },
    ]);
    expect(outcomes(saga)).toEqual(['confirmed']);
    expect(ofType(saga, 'ReservationReleaseRequested')).toEqual([]);
    expect(await system.deadlineRows(id)).toBe(0);

    // Causation: each reaction names the event it reacted to and keeps the correlation and trace.
    const [placed, confirmed] = await system.orderEvents(id);
    const started = saga[0]!;
    expect(started).toMatchObject({ causationId: placed!.eventId, correlationId: 'corr-saga-ok', traceparent: placed!.traceparent });
    const deadline = Date.parse((started.data as { deadline: string }).deadline);
    expect(deadline - Date.parse(started.occurredAt)).toBeGreaterThan(25_000);
    const answers = system.inventory.answers.filter((a) => (a.data as { orderId: string }).orderId === id);
    for (const recorded of ofType(saga, 'LineReservationRecorded')) {
      const answer = answers.find((a) => a.eventId === recorded.causationId);
      expect(answer).toBeDefined();
      expect(recorded.correlationId).toBe('corr-saga-ok');
    }
    const completion = saga[saga.length - 1]!;
    expect(confirmed).toMatchObject({ type: 'OrderConfirmed', causationId: completion.eventId, correlationId: 'corr-saga-ok' });
  });

  it('rejects an order with a short line, with the reason and short lines, and releases the reserved lines only', async () => {
    system.inventory.stock('SH-A', 5).stock('SH-B', 1).stock('SH-C', 5);
    const id = await system.placeOrder([{ sku: 'SH-A', quantity: 2 }, { sku: 'SH-B', quantity: 4 }, { sku: 'SH-C', quantity: 1 }]);
    const order = await system.orderReaches(id, 'rejected');
    expect(order).toMatchObject({ status: 'rejected', reason: 'insufficient stock', version: 2 });
    const rejected = (await system.orderEvents(id))[1]!;
    expect(typesAndData([rejected])).toEqual([
      { type: 'OrderRejected', data: { orderId: id, reason: 'insufficient stock', shortLines: [{ sku: 'SH-B', requested: 4, available: 1 }] } },
    ]);
    const saga = await system.sagaEvents(id);
    expect(ofType(saga, 'ReservationReleaseRequested').map((e) => (e.data as { sku: string }).sku).sort()).toEqual(['SH-A', 'SH-C']);
    expect(outcomes(saga)).toEqual(['rejected']);
    await eventually(() => system.inventory.releasesFor(id).length === 2, Boolean, 10_000, 'the release requests on NATS');
    expect(system.inventory.releasesFor(id).sort()).toEqual(['SH-A', 'SH-C']);
    expect(await system.deadlineRows(id)).toBe(0);
  });

  it('changes nothing when an answer is delivered again', async () => {
    system.inventory.stock('RD-A', 5).silence('RD-B');
    const id = await system.placeOrder([{ sku: 'RD-A', quantity: 1 }, { sku: 'RD-B', quantity: 1 }]);
    await eventually(() => system.inventory.answers.some((a) => (a.data as { orderId: string }).orderId === id), Boolean, 10_000, 'the answer for RD-A');
    await system.quiet();
    const answer = system.inventory.answers.find((a) => (a.data as { orderId: string }).orderId === id)!;
    const before = await system.lastWritten();
    await system.inventory.publish(answer, `${answer.eventId}:redelivered`);
    await system.inventory.publish(answer, `${answer.eventId}:redelivered-again`);
    await system.quiet();
    expect(await system.lastWritten()).toBe(before);
    expect(ofType(await system.sagaEvents(id), 'LineReservationRecorded')).toHaveLength(1);

    // The other line still completes the saga; the late duplicate after completion changes nothing too.
    await system.inventory.answer(system.inventory.requestsFor(id).find((r) => r.sku === 'RD-B')!, 'reserved');
    await system.orderReaches(id, 'confirmed');
    await system.quiet();
    const completed = await system.lastWritten();
    await system.inventory.publish(answer, `${answer.eventId}:after-completion`);
    await system.quiet();
    expect(await system.lastWritten()).toBe(completed);
  });

  it('changes nothing when OrderPlaced is handled again', async () => {
    system.inventory.stock('RP-A', 5);
    const id = await system.placeOrder([{ sku: 'RP-A', quantity: 1 }]);
    await system.orderReaches(id, 'confirmed');
    await system.quiet();
    const before = await system.lastWritten();
    const [placed] = await system.orderEvents(id);
    const handlers = system.service.service.app.get(OrderSagaHandlers, { strict: false });
    await handlers.onOrderPlaced({ ...placed!, subject: `${system.namespace}.orders.order.OrderPlaced`, deliveryCount: 2 } as never);
    await system.quiet();
    expect(await system.lastWritten()).toBe(before);
    expect(outcomes(await system.sagaEvents(id))).toEqual(['confirmed']);
  });

  it('ignores answers for orders it has no saga for', async () => {
    await system.quiet();
    const before = await system.lastWritten();
    const foreign = randomUUID();
    await system.publish('inventory', 'sku', 'StockReserved', { sku: 'F-1', orderId: foreign, quantity: 1 }, 'sku-F-1');
    await system.publish('inventory', 'sku', 'StockReservationRejected', { sku: 'F-1', orderId: foreign, requested: 2, available: 0 }, 'sku-F-1');
    await system.quiet();
    expect(await system.lastWritten()).toBe(before);
    expect(await system.sagaEvents(foreign)).toEqual([]);
  });

  it('leaves nothing to release when OrderCancelled is handled before its OrderPlaced (which is being retried)', async () => {
    const saga = system.service.service.app.get(OrderSagaProcess, { strict: false });
    const orderId = randomUUID();
    const cancelled = { eventId: randomUUID(), correlationId: 'corr-tombstone', traceparent: null };
    const placed = { eventId: randomUUID(), correlationId: 'corr-tombstone', traceparent: null };
    await saga.cancel(cancelled, orderId);
    await saga.start(placed, { orderId, lines: [{ sku: 'TB-A', quantity: 1 }] });
    await saga.cancel(cancelled, orderId);
    const events = await system.sagaEvents(orderId);
    expect(typesAndData(events)).toEqual([{ type: 'OrderSagaCompleted', data: { orderId, outcome: 'cancelled' } }]);
    expect(events[0]).toMatchObject({ causationId: cancelled.eventId, correlationId: 'corr-tombstone' });
    expect(await system.deadlineRows(orderId)).toBe(0);
  });

  it('finishes the job on redelivery after a crash between the saga append and the order append', async () => {
    system.inventory.stock('CR-A', 5);
    const orders = system.service.service.app.get(OrderCommands, { strict: false });
    const original = orders.execute.bind(orders);
    let crashes = 0;
    const spy = jest.spyOn(orders, 'execute').mockImplementation(async (command, ...rest) => {
      if (command.type === 'ConfirmOrder' && crashes === 0) {
        crashes++;
        throw new Error('simulated crash after the saga completed');
      }
      return original(command, ...rest);
    });
    try {
      const id = await system.placeOrder([{ sku: 'CR-A', quantity: 1 }]);
      await eventually(async () => outcomes(await system.sagaEvents(id)).includes('confirmed'), Boolean, 10_000, 'the saga to complete');
      await system.orderReaches(id, 'confirmed');
      expect(crashes).toBe(1);
      await system.quiet();
      const saga = await system.sagaEvents(id);
      expect(ofType(saga, 'LineReservationRecorded')).toHaveLength(1);
      expect(outcomes(saga)).toEqual(['confirmed']);
      expect(await system.orderEvents(id)).toHaveLength(2);
      expect(await system.deadlineRows(id)).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('continues after a restart while the answers were published', async () => {
    system.inventory.silence('RS-A').silence('RS-B');
    const id = await system.placeOrder([{ sku: 'RS-A', quantity: 1 }, { sku: 'RS-B', quantity: 2 }]);
    await eventually(() => system.inventory.requestsFor(id).length === 2, Boolean, 10_000, 'both requests');
    await system.stopService();
    for (const request of system.inventory.requestsFor(id)) await system.inventory.answer(request, 'reserved');
    await system.startService();
    const order = await system.orderReaches(id, 'confirmed');
    expect(order.status).toBe('confirmed');
    expect(outcomes(await system.sagaEvents(id))).toEqual(['confirmed']);
  }, 60_000);

  it('changes nothing when every event is delivered again from the start (consumers recreated after a restart)', async () => {
    await system.quiet();
    const before = await system.logFootprint();
    await system.restartService({ replayEverything: true });
    await system.quiet();
    // Not one event more, on any stream.
    expect(await system.logFootprint()).toEqual(before);
    const { rows } = await system.pool.query(`SELECT count(*)::int AS n FROM "${system.schema}".saga_deadlines`);
    expect(rows[0].n).toBe(0);
    // The new process really handled everything again (it counts from zero).
    const metrics = (await system.http.get('/metrics').expect(200)).text;
    const handled = (consumer: string) => Number(new RegExp(`consumer_handled_total\\{consumer="${consumer}",outcome="ok"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(handled('orders-saga-orders')).toBeGreaterThanOrEqual(6); // one OrderPlaced per order above
    expect(handled('orders-saga-inventory')).toBeGreaterThanOrEqual(12);
  }, 60_000);
});
