import { describe, expect, it, jest } from '@jest/globals';
import type { RecordedEvent } from '@stockflow/event-sourcing';
import { OrderCommands } from '../shared/order-commands.js';
import { eventually } from '@stockflow/testing';
import { OrdersTestSystem } from '../testing/orders-test-system.js';

const outcomes = (events: readonly RecordedEvent[]) =>
  events.filter((e) => e.type === 'OrderSagaCompleted').map((e) => (e.data as { outcome: string }).outcome);
const released = (events: readonly RecordedEvent[]) =>
  events.filter((e) => e.type === 'ReservationReleaseRequested').map((e) => (e.data as { sku: string }).sku);

// Long enough that a loaded CI machine still answers in time where the test needs it to (it ran
// 600 ms and an in-time order could time out there), short enough to keep the suite quick.
const TIMEOUT_MS = 1_500;
/** Past the deadline, with room for a sweep. */
const PAST_DEADLINE_MS = TIMEOUT_MS + 300;

describe(`order saga timeout (SAGA_TIMEOUT_MS = ${TIMEOUT_MS}, sweep every 50 ms)`, () => {
  let system: OrdersTestSystem;
  OrdersTestSystem.forSuite((started) => (system = started), { SAGA_TIMEOUT_MS: TIMEOUT_MS, SAGA_SWEEP_INTERVAL_MS: 50 });

  it('times out when answers are missing: saga timed-out, every line released, order rejected', async () => {
    system.inventory.stock('TO-A', 5).silence('TO-B');
    const placedAt = Date.now();
    const id = await system.placeOrder([{ sku: 'TO-A', quantity: 1 }, { sku: 'TO-B', quantity: 1 }]);
    await eventually(() => system.inventory.answers.some((a) => (a.data as { orderId: string }).orderId === id), Boolean, 10_000, 'the answer for TO-A');
    expect(await system.deadlineRows(id)).toBe(1);
    expect((await system.order(id)).status).toBe('pending');

    const order = await system.orderReaches(id, 'rejected');
    expect(Date.now() - placedAt).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(order).toMatchObject({ status: 'rejected', reason: 'reservation timed out', version: 2 });
    const [, rejected] = await system.orderEvents(id);
    expect(rejected!.data).toEqual({ orderId: id, reason: 'reservation timed out', shortLines: [] });

    const saga = await system.sagaEvents(id);
    expect(outcomes(saga)).toEqual(['timed-out']);
    expect(released(saga)).toEqual(['TO-A', 'TO-B']);
    const started = saga[0]!;
    const completion = saga[saga.length - 1]!;
    expect(completion).toMatchObject({ causationId: started.eventId, correlationId: started.correlationId });
    expect(rejected).toMatchObject({ causationId: completion.eventId });
    await eventually(() => system.inventory.releasesFor(id).length === 2, Boolean, 10_000, 'the releases on NATS');
    expect(await system.deadlineRows(id)).toBe(0);

    // A late answer changes nothing: the release already covers it.
    await system.quiet();
    const before = await system.store.headPosition();
    await system.inventory.answer(system.inventory.requestsFor(id).find((r) => r.sku === 'TO-B')!, 'reserved');
    await system.quiet();
    expect(await system.store.headPosition()).toBe(before);
    expect((await system.order(id)).status).toBe('rejected');
  });

  it('keeps the recorded short lines in a timed-out rejection', async () => {
    system.inventory.stock('TS-A', 0).silence('TS-B');
    const id = await system.placeOrder([{ sku: 'TS-A', quantity: 3 }, { sku: 'TS-B', quantity: 1 }]);
    await system.orderReaches(id, 'rejected');
    const [, rejected] = await system.orderEvents(id);
    expect(rejected!.data).toEqual({ orderId: id, reason: 'reservation timed out', shortLines: [{ sku: 'TS-A', requested: 3, available: 0 }] });
  });

  it('does not time out an order whose answers all came in time', async () => {
    system.inventory.stock('TF-A', 5);
    const id = await system.placeOrder([{ sku: 'TF-A', quantity: 1 }]);
    await system.orderReaches(id, 'confirmed');
    await new Promise((r) => setTimeout(r, PAST_DEADLINE_MS));
    expect((await system.order(id)).status).toBe('confirmed');
    expect(outcomes(await system.sagaEvents(id))).toEqual(['confirmed']);
  });

  it('retries on the next sweep when the order could not be rejected (a crash after the saga timed out)', async () => {
    system.inventory.silence('TC-A');
    const orders = system.service.service.app.get(OrderCommands, { strict: false });
    const original = orders.execute.bind(orders);
    let failures = 0;
    const spy = jest.spyOn(orders, 'execute').mockImplementation(async (command, ...rest) => {
      if (command.type === 'RejectOrder' && failures < 2) {
        failures++;
        throw new Error('simulated crash before the order followed the saga');
      }
      return original(command, ...rest);
    });
    try {
      const id = await system.placeOrder([{ sku: 'TC-A', quantity: 1 }]);
      const order = await system.orderReaches(id, 'rejected');
      expect(order.reason).toBe('reservation timed out');
      expect(failures).toBe(2);
      const saga = await system.sagaEvents(id);
      expect(outcomes(saga)).toEqual(['timed-out']);
      expect(released(saga)).toEqual(['TC-A']);
      expect(await system.orderEvents(id)).toHaveLength(2);
      await eventually(async () => (await system.deadlineRows(id)) === 0, Boolean, 5_000, 'the deadline row to go');
    } finally {
      spy.mockRestore();
    }
  });

  it('lets a cancellation win over the timeout: the order stays cancelled', async () => {
    system.inventory.silence('TX-A');
    const id = await system.placeOrder([{ sku: 'TX-A', quantity: 1 }]);
    await system.http.post(`/orders/${id}/cancel`).send({}).expect(202);
    await new Promise((r) => setTimeout(r, PAST_DEADLINE_MS));
    await system.quiet();
    expect((await system.order(id)).status).toBe('cancelled');
    expect(outcomes(await system.sagaEvents(id))).toEqual(['cancelled']);
    expect(await system.deadlineRows(id)).toBe(0);
  });

  it('times out a saga whose deadline passed while the service was down', async () => {
    system.inventory.silence('TD-A');
    const id = await system.placeOrder([{ sku: 'TD-A', quantity: 1 }]);
    await eventually(() => system.inventory.requestsFor(id).length === 1, Boolean, 10_000, 'the request');
    await system.stopService();
    await new Promise((r) => setTimeout(r, PAST_DEADLINE_MS));
    expect(await system.deadlineRows(id)).toBe(1);
    await system.startService();
    const order = await system.orderReaches(id, 'rejected');
    expect(order.reason).toBe('reservation timed out');
    expect(outcomes(await system.sagaEvents(id))).toEqual(['timed-out']);
  }, 60_000);
});
