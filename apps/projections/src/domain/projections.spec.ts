import { describe, expect, it } from '@jest/globals';
import { cartProjection, customerOrdersProjection, foldEvents, stockProjection, stockStatus, type CartRow, type OrderSummaryRow, type ProjectedEvent, type StockRow } from './index.js';

let clock = Date.parse('2026-01-01T00:00:00.000Z');
const ev = (type: string, data: unknown, streamId = 'x-1'): ProjectedEvent => ({ type, data, streamId, occurredAt: new Date((clock += 1000)).toISOString() });

describe('stockStatus', () => {
  it('is out at 0, low at or below the threshold, in stock above it', () => {
    expect(stockStatus(0, 5)).toBe('out-of-stock');
    expect(stockStatus(1, 5)).toBe('low-stock');
    expect(stockStatus(5, 5)).toBe('low-stock');
    expect(stockStatus(6, 5)).toBe('in-stock');
    // A threshold of 0 (v1 registrations) is never "low".
    expect(stockStatus(1, 0)).toBe('in-stock');
  });
});

describe('stock projection', () => {
  it('takes the name and threshold from SkuRegistered and the figures from StockLevelChanged', () => {
    const rows = new Map<string, StockRow>();
    const changed = foldEvents(stockProjection, rows, [
      ev('SkuRegistered', { sku: 'MUG', name: 'Mug', lowStockThreshold: 3 }),
      ev('StockReceived', { sku: 'MUG', quantity: 10 }),
      ev('StockLevelChanged', { sku: 'MUG', onHand: 10, reserved: 0, available: 10 }),
      ev('StockLevelChanged', { sku: 'MUG', onHand: 10, reserved: 8, available: 2 }),
      ev('LowStock', { sku: 'MUG', available: 2, threshold: 3 }),
    ]);
    expect([...changed]).toEqual(['MUG']);
    expect(rows.get('MUG')).toMatchObject({ sku: 'MUG', name: 'Mug', onHand: 10, reserved: 8, available: 2, lowStockThreshold: 3, status: 'low-stock' });
  });

  it('goes out of stock and back', () => {
    const rows = new Map<string, StockRow>();
    foldEvents(stockProjection, rows, [ev('SkuRegistered', { sku: 'A', name: 'A', lowStockThreshold: 0 }), ev('StockLevelChanged', { sku: 'A', onHand: 0, reserved: 0, available: 0 })]);
    expect(rows.get('A')!.status).toBe('out-of-stock');
    foldEvents(stockProjection, rows, [ev('StockLevelChanged', { sku: 'A', onHand: 4, reserved: 0, available: 4 })]);
    expect(rows.get('A')!.status).toBe('in-stock');
  });

  it('ignores events of other aggregates and types', () => {
    expect(stockProjection.keyOf(ev('OutOfStock', { sku: 'A' }))).toBeNull();
    expect(stockProjection.keyOf(ev('OrderPlaced', {}))).toBeNull();
  });
});

describe('customer orders projection', () => {
  it('follows an order from placed to its outcome', () => {
    const rows = new Map<string, OrderSummaryRow>();
    foldEvents(customerOrdersProjection, rows, [
      ev('OrderPlaced', { orderId: 'o1', customerId: 'alice', lines: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], cartId: null }),
      ev('OrderPlaced', { orderId: 'o2', customerId: 'alice', lines: [{ sku: 'A', quantity: 1 }], cartId: 'c1' }),
      ev('OrderConfirmed', { orderId: 'o1' }),
      ev('OrderRejected', { orderId: 'o2', reason: 'out of stock', shortLines: [] }),
    ]);
    expect(rows.get('o1')).toMatchObject({ customerId: 'alice', status: 'confirmed', totalQuantity: 3, reason: null });
    expect(rows.get('o2')).toMatchObject({ status: 'rejected', reason: 'out of stock', cartId: 'c1' });
    foldEvents(customerOrdersProjection, rows, [ev('OrderCancelled', { orderId: 'o1', reason: 'changed mind' })]);
    expect(rows.get('o1')).toMatchObject({ status: 'cancelled', reason: 'changed mind' });
  });

  it('ignores an outcome for an order it never saw placed', () => {
    const rows = new Map<string, OrderSummaryRow>();
    expect(foldEvents(customerOrdersProjection, rows, [ev('OrderConfirmed', { orderId: 'nope' })]).size).toBe(0);
  });
});

describe('cart projection', () => {
  it('keeps the lines sorted and records the checkout', () => {
    const rows = new Map<string, CartRow>();
    foldEvents(cartProjection, rows, [
      ev('CartCreated', { cartId: 'c1', customerId: 'bob' }),
      ev('CartLineSet', { cartId: 'c1', sku: 'B', quantity: 1 }),
      ev('CartLineSet', { cartId: 'c1', sku: 'A', quantity: 2 }),
      ev('CartLineSet', { cartId: 'c1', sku: 'B', quantity: 5 }),
      ev('CartLineRemoved', { cartId: 'c1', sku: 'A' }),
      ev('CartLineSet', { cartId: 'c1', sku: 'C', quantity: 1 }),
    ]);
    expect(rows.get('c1')!.lines).toEqual([{ sku: 'B', quantity: 5 }, { sku: 'C', quantity: 1 }]);
    foldEvents(cartProjection, rows, [ev('CartCheckedOut', { cartId: 'c1', customerId: 'bob', orderId: 'o9', lines: [{ sku: 'B', quantity: 5 }] })]);
    expect(rows.get('c1')).toMatchObject({ status: 'checked-out', orderId: 'o9' });
  });
});

describe('foldEvents', () => {
  it('is deterministic: folding the same events twice from scratch gives equal rows', () => {
    const events = [ev('CartCreated', { cartId: 'c', customerId: 'x' }), ev('CartLineSet', { cartId: 'c', sku: 'A', quantity: 1 })];
    const a = new Map<string, CartRow>();
    const b = new Map<string, CartRow>();
    foldEvents(cartProjection, a, events);
    foldEvents(cartProjection, b, events);
    expect(a).toEqual(b);
  });
});
