// Cart ids, customer ids and SKUs are chosen by users: one named like an Object.prototype member
// must behave like any other.
import { describe, expect, it } from '@jest/globals';
import { prototypeMemberNames } from '@stockflow/event-sourcing/testing';
import { cartDecider, type CartCommand, type CartEvent, type CartState } from './cart.js';

function run(...commands: CartCommand[]): { events: CartEvent[]; state: CartState } {
  let state = cartDecider.initialState();
  const events: CartEvent[] = [];
  for (const command of commands) {
    const decided = cartDecider.decide(command, state);
    events.push(...decided);
    state = decided.reduce(cartDecider.evolve, state);
  }
  return { events, state };
}

describe('keys named like Object.prototype members', () => {
  it.each(prototypeMemberNames())('the cart, customer, SKU and order id %s', (name) => {
    const { events, state } = run(
      { type: 'CreateCart', data: { cartId: name, customerId: name } },
      { type: 'SetLine', data: { sku: 'plain', quantity: 1 } },
      { type: 'SetLine', data: { sku: name, quantity: 2 } },
      { type: 'SetLine', data: { sku: name, quantity: 2 } },
      { type: 'SetLine', data: { sku: name, quantity: 3 } },
      { type: 'RemoveLine', data: { sku: 'plain' } },
      { type: 'CheckOut', data: { orderId: name } },
    );
    expect(events.map((e) => e.type)).toEqual(['CartCreated', 'CartLineSet', 'CartLineSet', 'CartLineSet', 'CartLineRemoved', 'CartCheckedOut']);
    expect(state).toMatchObject({ status: 'checked-out', cartId: name, customerId: name, orderId: name, lines: [{ sku: name, quantity: 3 }] });
  });
});
