// SKUs and ids are chosen by users: one named like an Object.prototype member (`constructor`,
// `toString`, `__proto__`, …) must go through the order and its saga like any other.
import { describe, expect, it } from '@jest/globals';
import type { Decider } from '@stockflow/event-sourcing';
import { prototypeMemberNames } from '@stockflow/event-sourcing/testing';
import { orderDecider, type OrderCommand } from './order.js';
import { orderFollowUp, orderSagaDecider, shortLinesOf, type OrderSagaCommand } from './order-saga.js';

function run<C, E extends { type: string; data: unknown }, S>(decider: Decider<C, E, S>, ...commands: C[]): { events: E[]; state: S } {
  let state = decider.initialState();
  const events: E[] = [];
  for (const command of commands) {
    const decided = decider.decide(command, state);
    events.push(...decided);
    state = decided.reduce(decider.evolve, state);
  }
  return { events, state };
}

const deadline = '2030-01-01T00:00:30.000Z';
const names = prototypeMemberNames();

describe('keys named like Object.prototype members', () => {
  it('covers every member of Object.prototype and __proto__', () => {
    expect(names).toEqual(expect.arrayContaining(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', '__defineGetter__']));
  });

  it.each(names)('a saga with the SKU %s waits for its answer, then confirms', (sku) => {
    const orderId = 'o1';
    const lines = [{ sku, quantity: 2 }, { sku: 'PLAIN', quantity: 1 }];
    const reserve = (line: string, quantity: number): OrderSagaCommand => ({
      type: 'RecordReservation',
      data: { orderId, sku: line, outcome: 'reserved', requested: quantity, available: quantity },
    });
    const start: OrderSagaCommand = { type: 'StartSaga', data: { orderId, lines, deadline } };
    const halfway = run(orderSagaDecider, start, reserve('PLAIN', 1));
    expect(halfway.state.status).toBe('awaiting');
    const { events, state } = run(orderSagaDecider, start, reserve('PLAIN', 1), reserve(sku, 2), reserve(sku, 2));
    expect(events.filter((e) => e.type === 'LineReservationRecorded').map((e) => e.data.sku)).toEqual(['PLAIN', sku]);
    expect(state).toMatchObject({ status: 'completed', outcome: 'confirmed' });
    expect(orderFollowUp(state)).toEqual({ type: 'ConfirmOrder', data: { orderId } });
  });

  it.each(names)('a saga with the SKU %s short reports it and releases the other line', (sku) => {
    const orderId = 'o2';
    const lines = [{ sku: 'PLAIN', quantity: 1 }, { sku, quantity: 3 }];
    const { events, state } = run(
      orderSagaDecider,
      { type: 'StartSaga', data: { orderId, lines, deadline } },
      { type: 'RecordReservation', data: { orderId, sku, outcome: 'rejected', requested: 3, available: 1 } },
      { type: 'RecordReservation', data: { orderId, sku: 'PLAIN', outcome: 'reserved', requested: 1, available: 1 } },
    );
    expect(events.filter((e) => e.type === 'ReservationReleaseRequested').map((e) => e.data.sku)).toEqual(['PLAIN']);
    expect(state.outcome).toBe('rejected');
    expect(shortLinesOf(state)).toEqual([{ sku, requested: 3, available: 1 }]);
  });

  it.each(names)('an order with the id, customer and SKU %s is placed, confirmed and cancelled', (name) => {
    const place: OrderCommand = { type: 'PlaceOrder', data: { orderId: name, customerId: name, lines: [{ sku: name, quantity: 1 }], cartId: name } };
    const { events, state } = run(orderDecider, place, { type: 'ConfirmOrder', data: { orderId: name } }, { type: 'CancelOrder', data: { orderId: name, reason: 'r' } });
    expect(events.map((e) => e.type)).toEqual(['OrderPlaced', 'OrderConfirmed', 'OrderCancelled']);
    expect(state).toMatchObject({ status: 'cancelled', orderId: name, customerId: name, lines: [{ sku: name, quantity: 1 }] });
  });

  it.each(names)('a saga for the order id %s completes once', (orderId) => {
    const { events } = run(
      orderSagaDecider,
      { type: 'StartSaga', data: { orderId, lines: [{ sku: 'A', quantity: 1 }], deadline } },
      { type: 'RecordReservation', data: { orderId, sku: 'A', outcome: 'reserved', requested: 1, available: 1 } },
      { type: 'CancelSaga', data: { orderId } },
      { type: 'CancelSaga', data: { orderId } },
    );
    expect(events.filter((e) => e.type === 'OrderSagaCompleted').map((e) => e.data.outcome)).toEqual(['confirmed', 'cancelled']);
  });
});
