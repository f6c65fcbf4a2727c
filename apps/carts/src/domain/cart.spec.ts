import { describe, expect, it } from '@jest/globals';
import { stockflowCatalog } from '@stockflow/contracts';
import { DomainError, type DomainErrorKind } from '@stockflow/event-sourcing';
import {
  CartErrors,
  MAX_CART_LINES,
  MAX_LINE_QUANTITY,
  cartDecider,
  cartStreamId,
  decide,
  evolve,
  initialCartState,
  type CartCommand,
  type CartEvent,
  type CartState,
} from './cart.js';

// Given events, when a command, then events (or a DomainError): the decider's whole contract.
const given = (...events: CartEvent[]): CartState => events.reduce(evolve, initialCartState());

function rejection(command: CartCommand, state: CartState): { kind: DomainErrorKind; code: string; message: string } {
  try {
    decide(command, state);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const { kind, code, message } = error as DomainError;
    return { kind, code, message };
  }
  throw new Error(`expected ${command.type} to be refused`);
}

const created: CartEvent = { type: 'CartCreated', data: { cartId: 'c1', customerId: 'alice' } };
const lineSet = (sku: string, quantity: number): CartEvent => ({ type: 'CartLineSet', data: { cartId: 'c1', sku, quantity } });
const lineRemoved = (sku: string): CartEvent => ({ type: 'CartLineRemoved', data: { cartId: 'c1', sku } });
const checkedOut = (orderId: string, lines: { sku: string; quantity: number }[]): CartEvent => ({
  type: 'CartCheckedOut',
  data: { cartId: 'c1', customerId: 'alice', orderId, lines },
});

const createCart = (cartId = 'c1', customerId = 'alice'): CartCommand => ({ type: 'CreateCart', data: { cartId, customerId } });
const setLine = (sku: string, quantity: number): CartCommand => ({ type: 'SetLine', data: { sku, quantity } });
const removeLine = (sku: string): CartCommand => ({ type: 'RemoveLine', data: { sku } });
const checkOut = (orderId = 'o1'): CartCommand => ({ type: 'CheckOut', data: { orderId } });

/** Every event the decider emits must satisfy its contract (the store validates appends too). */
function expectValidAgainstContracts(events: CartEvent[]): void {
  for (const event of events) expect(() => stockflowCatalog.validate(event.type, stockflowCatalog.currentVersion(event.type), event.data)).not.toThrow();
}

describe('cart decider', () => {
  it('is exposed as a Decider with an empty initial state', () => {
    expect(cartDecider.initialState()).toEqual({ status: 'empty' });
    expect(cartDecider.decide).toBe(decide);
    expect(cartDecider.evolve).toBe(evolve);
    expect(cartStreamId('abc')).toBe('cart-abc');
  });

  describe('CreateCart', () => {
    it('opens a cart for the customer', () => {
      const events = decide(createCart('c1', 'alice'), given());
      expect(events).toEqual([created]);
      expectValidAgainstContracts(events);
      expect(given(...events)).toEqual({ status: 'open', cartId: 'c1', customerId: 'alice', lines: [] });
    });

    it('refuses a cart that exists already, open or checked out', () => {
      expect(rejection(createCart(), given(created))).toMatchObject({ kind: 'conflict', code: CartErrors.alreadyExists });
      expect(rejection(createCart(), given(created, lineSet('A', 1), checkedOut('o1', [{ sku: 'A', quantity: 1 }])))).toMatchObject({
        kind: 'conflict',
        code: CartErrors.alreadyExists,
      });
    });

    it('refuses ids outside the contracts (1 to 64 characters)', () => {
      expect(rejection(createCart('', 'alice'), given())).toMatchObject({ kind: 'rejected', code: CartErrors.invalidId });
      expect(rejection(createCart('c1', ''), given())).toMatchObject({ kind: 'rejected', code: CartErrors.invalidId });
      expect(rejection(createCart('c1', 'x'.repeat(65)), given())).toMatchObject({ kind: 'rejected', code: CartErrors.invalidId });
      expect(decide(createCart('c1', 'x'.repeat(64)), given())).toHaveLength(1);
    });
  });

  describe('SetLine', () => {
    it('adds a line, then changes its quantity in place', () => {
      const add = decide(setLine('A', 2), given(created));
      expect(add).toEqual([lineSet('A', 2)]);
      expectValidAgainstContracts(add);
      const state = given(created, lineSet('A', 2), lineSet('B', 1), lineSet('A', 5));
      expect(state).toMatchObject({ status: 'open', lines: [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 1 }] });
    });

    it('records nothing when the line already has that quantity', () => {
      expect(decide(setLine('A', 2), given(created, lineSet('A', 2)))).toEqual([]);
    });

    it('accepts quantities from 1 to the maximum and refuses the rest', () => {
      expect(decide(setLine('A', 1), given(created))).toHaveLength(1);
      expect(decide(setLine('A', MAX_LINE_QUANTITY), given(created))).toHaveLength(1);
      for (const quantity of [0, -1, MAX_LINE_QUANTITY + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(rejection(setLine('A', quantity), given(created))).toMatchObject({ kind: 'rejected', code: CartErrors.invalidQuantity });
      }
    });

    it('refuses malformed SKUs', () => {
      for (const sku of ['', 'a b', 'x'.repeat(65), 'a/b', 'é', 'a\u0000']) {
        expect(rejection(setLine(sku, 1), given(created))).toMatchObject({ kind: 'rejected', code: CartErrors.invalidSku });
      }
      expect(decide(setLine('Az09._-', 1), given(created))).toHaveLength(1);
    });

    it(`holds at most ${MAX_CART_LINES} lines, but still changes existing ones when full`, () => {
      const full = given(created, ...Array.from({ length: MAX_CART_LINES }, (_, i) => lineSet(`S${i}`, 1)));
      expect(rejection(setLine('NEW', 1), full)).toMatchObject({ kind: 'rejected', code: CartErrors.tooManyLines });
      expect(decide(setLine('S0', 3), full)).toEqual([lineSet('S0', 3)]);
      const afterRemoval = evolve(full, lineRemoved('S1'));
      expect(decide(setLine('NEW', 1), afterRemoval)).toEqual([lineSet('NEW', 1)]);
    });

    it('needs an existing, open cart', () => {
      expect(rejection(setLine('A', 1), given())).toMatchObject({ kind: 'not-found', code: CartErrors.notFound });
      const closed = given(created, lineSet('A', 1), checkedOut('o1', [{ sku: 'A', quantity: 1 }]));
      expect(rejection(setLine('A', 2), closed)).toMatchObject({ kind: 'conflict', code: CartErrors.checkedOut });
      // Even a change that would be a no-op: a closed cart takes no commands at all.
      expect(rejection(setLine('A', 1), closed)).toMatchObject({ kind: 'conflict', code: CartErrors.checkedOut });
    });
  });

  describe('RemoveLine', () => {
    it('removes a line and keeps the others in order', () => {
      const state = given(created, lineSet('A', 1), lineSet('B', 2), lineSet('C', 3));
      const events = decide(removeLine('B'), state);
      expect(events).toEqual([lineRemoved('B')]);
      expectValidAgainstContracts(events);
      expect(evolve(state, events[0]!)).toMatchObject({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'C', quantity: 3 }] });
    });

    it('answers not-found for a line the cart does not have', () => {
      expect(rejection(removeLine('Z'), given(created, lineSet('A', 1)))).toMatchObject({ kind: 'not-found', code: CartErrors.lineNotFound });
      expect(rejection(removeLine('A'), given(created, lineSet('A', 1), lineRemoved('A')))).toMatchObject({ kind: 'not-found' });
    });

    it('needs an existing, open cart', () => {
      expect(rejection(removeLine('A'), given())).toMatchObject({ kind: 'not-found', code: CartErrors.notFound });
      const closed = given(created, lineSet('A', 1), checkedOut('o1', [{ sku: 'A', quantity: 1 }]));
      expect(rejection(removeLine('A'), closed)).toMatchObject({ kind: 'conflict', code: CartErrors.checkedOut });
    });
  });

  describe('CheckOut', () => {
    it('records the order id with the customer and the lines, and closes the cart', () => {
      const state = given(created, lineSet('A', 2), lineSet('B', 1), lineSet('A', 3));
      const events = decide(checkOut('order-9'), state);
      expect(events).toEqual([checkedOut('order-9', [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }])]);
      expectValidAgainstContracts(events);
      expect(evolve(state, events[0]!)).toEqual({
        status: 'checked-out',
        cartId: 'c1',
        customerId: 'alice',
        orderId: 'order-9',
        lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }],
      });
    });

    it('refuses an empty cart, also one emptied by removals', () => {
      expect(rejection(checkOut(), given(created))).toMatchObject({ kind: 'rejected', code: CartErrors.empty });
      expect(rejection(checkOut(), given(created, lineSet('A', 1), lineRemoved('A')))).toMatchObject({ kind: 'rejected', code: CartErrors.empty });
    });

    it('refuses a second checkout, whatever the order id', () => {
      const closed = given(created, lineSet('A', 1), checkedOut('o1', [{ sku: 'A', quantity: 1 }]));
      const refused = rejection(checkOut('o2'), closed);
      expect(refused).toMatchObject({ kind: 'conflict', code: CartErrors.checkedOut });
      expect(refused.message).toContain('o1');
      expect(rejection(checkOut('o1'), closed)).toMatchObject({ kind: 'conflict' });
    });

    it('needs an existing cart and a valid order id', () => {
      expect(rejection(checkOut(), given())).toMatchObject({ kind: 'not-found', code: CartErrors.notFound });
      expect(rejection(checkOut(''), given(created, lineSet('A', 1)))).toMatchObject({ kind: 'rejected', code: CartErrors.invalidId });
    });

    it('carries the largest cart the contract allows', () => {
      const full = given(created, ...Array.from({ length: MAX_CART_LINES }, (_, i) => lineSet(`S${i}`, MAX_LINE_QUANTITY)));
      const events = decide(checkOut(), full);
      expect((events[0] as Extract<CartEvent, { type: 'CartCheckedOut' }>).data.lines).toHaveLength(MAX_CART_LINES);
      expectValidAgainstContracts(events);
    });
  });

  describe('evolve', () => {
    it('does not mutate the state it is given', () => {
      const before = given(created, lineSet('A', 1));
      const snapshot = JSON.parse(JSON.stringify(before));
      evolve(before, lineSet('A', 2));
      evolve(before, lineSet('B', 2));
      evolve(before, lineRemoved('A'));
      evolve(before, checkedOut('o', [{ sku: 'A', quantity: 1 }]));
      expect(before).toEqual(snapshot);
    });

    it('ignores line changes after checkout (a closed cart stays as it was checked out)', () => {
      const closed = given(created, lineSet('A', 1), checkedOut('o1', [{ sku: 'A', quantity: 1 }]));
      expect(evolve(closed, lineSet('B', 1))).toBe(closed);
      expect(evolve(closed, lineRemoved('A'))).toBe(closed);
      expect(evolve(closed, checkedOut('o2', [{ sku: 'A', quantity: 1 }]))).toBe(closed);
    });
  });
});
