// SKUs and order ids are chosen by users: one named like an Object.prototype member must be
// registered, stocked, reserved and released like any other.
import { describe, expect, it } from '@jest/globals';
import { prototypeMemberNames } from '@stockflow/event-sourcing/testing';
import { skuDecider, type SkuCommand, type SkuEvent, type SkuState } from './sku.js';

function run(...commands: SkuCommand[]): { events: SkuEvent[]; state: SkuState } {
  let state = skuDecider.initialState();
  const events: SkuEvent[] = [];
  for (const command of commands) {
    const decided = skuDecider.decide(command, state);
    events.push(...decided);
    state = decided.reduce(skuDecider.evolve, state);
  }
  return { events, state };
}

describe('keys named like Object.prototype members', () => {
  it.each(prototypeMemberNames())('the SKU and the order id %s: reserved once, released once', (name) => {
    const { events, state } = run(
      { type: 'RegisterSku', sku: name, name: 'n', lowStockThreshold: 0 },
      { type: 'ReceiveStock', sku: name, quantity: 5 },
      { type: 'ReserveStock', sku: name, orderId: 'plain', quantity: 1 },
      { type: 'ReserveStock', sku: name, orderId: name, quantity: 2 },
      { type: 'ReserveStock', sku: name, orderId: name, quantity: 2 },
      { type: 'ReleaseReservation', sku: name, orderId: name },
      { type: 'ReleaseReservation', sku: name, orderId: name },
    );
    expect(events.filter((e) => e.type === 'StockReserved').map((e) => e.data.orderId)).toEqual(['plain', name]);
    expect(events.filter((e) => e.type === 'ReservationReleased').map((e) => e.data.orderId)).toEqual([name]);
    expect(state).toMatchObject({ registered: true, sku: name, onHand: 5, reserved: 1 });
    expect(state.reservations.get(name)).toEqual({ status: 'released', quantity: 2 });
  });
});
