import { describe, expect, it } from '@jest/globals';
import { stockflowCatalog } from '@stockflow/contracts';
import { narrowestFilter, subjectMatches } from './subject-filter.js';

describe('subjectMatches', () => {
  it('follows NATS wildcard rules', () => {
    expect(subjectMatches('carts.cart.>', 'carts.cart.CartCheckedOut')).toBe(true);
    expect(subjectMatches('carts.cart.>', 'carts.cart')).toBe(false);
    expect(subjectMatches('carts.*.CartCheckedOut', 'carts.cart.CartCheckedOut')).toBe(true);
    expect(subjectMatches('carts.*', 'carts.cart.CartCheckedOut')).toBe(false);
    expect(subjectMatches('carts.cart.CartCreated', 'carts.cart.CartCheckedOut')).toBe(false);
    expect(subjectMatches('t1.carts.cart.>', 'carts.cart.CartCheckedOut')).toBe(false);
  });
});

describe('narrowestFilter', () => {
  it("narrows to the one type's subject when the consumer handles one type of the scope", () => {
    // Handlers of every consumer of a service are registered on each: only the scope's count.
    const handled = ['CartCheckedOut', 'OrderPlaced', 'OrderCancelled', 'StockReserved'];
    expect(narrowestFilter('t1.carts.cart.>', handled, stockflowCatalog, { namespace: 't1' })).toBe('t1.carts.cart.CartCheckedOut');
  });

  it('keeps the scope when the consumer handles several types of it (NATS 2.9 takes one filter)', () => {
    expect(narrowestFilter('orders.order.>', ['OrderPlaced', 'OrderCancelled'], stockflowCatalog)).toBe('orders.order.>');
  });

  it('keeps the scope when no handled type is in it, and has no scope to narrow when none is given', () => {
    expect(narrowestFilter('carts.cart.>', ['OrderPlaced'], stockflowCatalog)).toBe('carts.cart.>');
    expect(narrowestFilter(undefined, ['CartCheckedOut'], stockflowCatalog)).toBeUndefined();
  });
});
