import { describe, expect, it } from '@jest/globals';
import { stockflowCatalog } from '@stockflow/contracts';
import { DomainError } from '@stockflow/event-sourcing';
import { orderDecider, orderStreamId, type OrderCommand, type OrderEvent, type OrderState } from './order.js';

const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: { orderId: 'o1', customerId: 'c1', lines: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], cartId: null },
};
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId: 'o1' } };
const rejected: OrderEvent = { type: 'OrderRejected', data: { orderId: 'o1', reason: 'insufficient stock', shortLines: [{ sku: 'B', requested: 1, available: 0 }] } };
const cancelled: OrderEvent = { type: 'OrderCancelled', data: { orderId: 'o1', reason: 'changed my mind' } };

const place: OrderCommand = { type: 'PlaceOrder', data: { orderId: 'o1', customerId: 'c1', lines: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], cartId: null } };
const confirm: OrderCommand = { type: 'ConfirmOrder', data: { orderId: 'o1' } };
const reject: OrderCommand = { type: 'RejectOrder', data: { orderId: 'o1', reason: 'insufficient stock', shortLines: [{ sku: 'B', requested: 1, available: 0 }] } };
const cancel: OrderCommand = { type: 'CancelOrder', data: { orderId: 'o1', reason: 'changed my mind' } };

function given(...events: OrderEvent[]): OrderState {
  return events.reduce(orderDecider.evolve, orderDecider.initialState());
}

/** Decides, and checks that every event satisfies its published contract. */
function when(state: OrderState, command: OrderCommand): OrderEvent[] {
  const events = orderDecider.decide(command, state);
  for (const event of events) stockflowCatalog.validate(event.type, stockflowCatalog.currentVersion(event.type), event.data);
  return events;
}

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError');
}

describe('Order decider', () => {
  it('names its stream order-<id>', () => {
    expect(orderStreamId('abc')).toBe('order-abc');
  });

  describe('PlaceOrder', () => {
    it('places a new order as pending', () => {
      expect(when(given(), place)).toEqual([placed]);
      expect(given(placed)).toEqual({
        status: 'pending',
        orderId: 'o1',
        customerId: 'c1',
        lines: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }],
        cartId: null,
        reason: null,
        shortLines: [],
      });
    });

    it('keeps the cart it came from', () => {
      const fromCart: OrderCommand = { type: 'PlaceOrder', data: { ...place.data, cartId: 'cart-7' } as never };
      expect(when(given(), fromCart)).toEqual([{ ...placed, data: { ...placed.data, cartId: 'cart-7' } }]);
    });

    it('is a no-op for an order that exists, whatever its state (a checkout delivered twice)', () => {
      for (const history of [[placed], [placed, confirmed], [placed, rejected], [placed, cancelled]]) {
        expect(when(given(...history), place)).toEqual([]);
      }
    });

    it('copies only sku and quantity of each line', () => {
      const extra = { type: 'PlaceOrder', data: { ...place.data, lines: [{ sku: 'A', quantity: 1, note: 'x' }] } } as unknown as OrderCommand;
      expect(when(given(), extra)).toEqual([{ type: 'OrderPlaced', data: { ...placed.data, lines: [{ sku: 'A', quantity: 1 }] } }]);
    });

    it.each([
      ['no lines', { lines: [] }, 'order-empty'],
      ['101 lines', { lines: Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }, 'too-many-lines'],
      ['a duplicate SKU', { lines: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 2 }] }, 'duplicate-sku'],
      ['a zero quantity', { lines: [{ sku: 'A', quantity: 0 }] }, 'invalid-quantity'],
      ['a negative quantity', { lines: [{ sku: 'A', quantity: -1 }] }, 'invalid-quantity'],
      ['a fractional quantity', { lines: [{ sku: 'A', quantity: 1.5 }] }, 'invalid-quantity'],
      ['no customer', { customerId: '' }, 'customer-required'],
    ])('rejects an order with %s', (_, change, code) => {
      const error = domainError(() => orderDecider.decide({ type: 'PlaceOrder', data: { ...place.data, ...change } } as OrderCommand, given()));
      expect(error).toMatchObject({ kind: 'rejected', code });
    });

    it('accepts exactly 100 lines', () => {
      const lines = Array.from({ length: 100 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
      expect(when(given(), { type: 'PlaceOrder', data: { ...place.data, lines } })).toHaveLength(1);
    });
  });

  describe('ConfirmOrder', () => {
    it('confirms a pending order', () => {
      expect(when(given(placed), confirm)).toEqual([confirmed]);
      expect(given(placed, confirmed)).toMatchObject({ status: 'confirmed', reason: null });
    });

    it('is a no-op on an order that is not pending', () => {
      expect(when(given(placed, confirmed), confirm)).toEqual([]);
      expect(when(given(placed, rejected), confirm)).toEqual([]);
      expect(when(given(placed, cancelled), confirm)).toEqual([]);
    });

    it('is not found for an unknown order', () => {
      expect(domainError(() => orderDecider.decide(confirm, given()))).toMatchObject({ kind: 'not-found', code: 'order-not-found' });
    });
  });

  describe('RejectOrder', () => {
    it('rejects a pending order with its reason and short lines', () => {
      expect(when(given(placed), reject)).toEqual([rejected]);
      expect(given(placed, rejected)).toMatchObject({ status: 'rejected', reason: 'insufficient stock', shortLines: [{ sku: 'B', requested: 1, available: 0 }] });
    });

    it('is a no-op on an order that is not pending', () => {
      expect(when(given(placed, rejected), reject)).toEqual([]);
      expect(when(given(placed, confirmed), reject)).toEqual([]);
      expect(when(given(placed, cancelled), reject)).toEqual([]);
    });

    it('needs a reason', () => {
      const error = domainError(() => orderDecider.decide({ type: 'RejectOrder', data: { ...reject.data, reason: '' } } as OrderCommand, given(placed)));
      expect(error.code).toBe('reason-required');
    });

    it('is not found for an unknown order', () => {
      expect(domainError(() => orderDecider.decide(reject, given())).kind).toBe('not-found');
    });
  });

  describe('CancelOrder', () => {
    it('cancels a pending order', () => {
      expect(when(given(placed), cancel)).toEqual([cancelled]);
      expect(given(placed, cancelled)).toMatchObject({ status: 'cancelled', reason: 'changed my mind' });
    });

    it('cancels a confirmed order', () => {
      expect(when(given(placed, confirmed), cancel)).toEqual([cancelled]);
    });

    it('is a conflict on a rejected or cancelled order', () => {
      expect(domainError(() => orderDecider.decide(cancel, given(placed, rejected)))).toMatchObject({ kind: 'conflict', code: 'order-not-cancellable' });
      expect(domainError(() => orderDecider.decide(cancel, given(placed, cancelled)))).toMatchObject({ kind: 'conflict', code: 'order-not-cancellable' });
    });

    it('is not found for an unknown order', () => {
      expect(domainError(() => orderDecider.decide(cancel, given())).kind).toBe('not-found');
    });
  });

  it('ignores events that arrive without an order (evolve is total)', () => {
    expect(given(confirmed)).toEqual({ status: 'none' });
    expect(given(rejected, cancelled)).toEqual({ status: 'none' });
  });
});
