import { describe, expect, it } from '@jest/globals';
import { stockflowCatalog } from './catalog.js';
import { isSku, MAX_ID_LENGTH, SKU_PATTERN } from './vocabulary.js';

describe('the shared vocabulary', () => {
  it('a SKU code is 1–64 letters, digits, ".", "_" or "-", nothing else', () => {
    for (const sku of ['A', 'TSHIRT-RED-M', 'sku_1.2', 'S'.repeat(64)]) expect({ sku, ok: isSku(sku) }).toEqual({ sku, ok: true });
    for (const sku of ['', 'S'.repeat(65), 'A B', 'A/B', 'ÄBC', 'a,b', 'a+b', '\u0000', 42, null]) expect({ sku, ok: isSku(sku) }).toEqual({ sku, ok: false });
    expect(SKU_PATTERN.test('S'.repeat(65))).toBe(false);
  });

  it('every event that carries a SKU says the same: a payload with another SKU breaks its contract', () => {
    const carrying: [string, number, Record<string, unknown>][] = [
      ['SkuRegistered', 2, { name: 'x', lowStockThreshold: 0 }],
      ['StockReceived', 1, { quantity: 1 }],
      ['ReservationRequested', 1, { orderId: 'o-1', quantity: 1 }],
      ['CartLineSet', 1, { cartId: 'cart-1', quantity: 1 }],
      ['SubscriptionCreated', 1, { subscriptionId: '0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e', customerId: 'c-1', kind: 'back-in-stock' }],
    ];
    for (const [type, version, rest] of carrying) {
      expect(() => stockflowCatalog.validate(type, version, { ...rest, sku: 'TSHIRT-RED-M' })).not.toThrow();
      expect(() => stockflowCatalog.validate(type, version, { ...rest, sku: 'A B' })).toThrow(/invalid-payload/);
      expect(() => stockflowCatalog.validate(type, version, { ...rest, sku: 'S'.repeat(65) })).toThrow(/invalid-payload/);
    }
  });

  it('ids of other contexts are 1–64 code units in every event', () => {
    expect(MAX_ID_LENGTH).toBe(64);
    expect(() => stockflowCatalog.validate('CartCreated', 1, { cartId: 'c'.repeat(64), customerId: 'x' })).not.toThrow();
    expect(() => stockflowCatalog.validate('CartCreated', 1, { cartId: 'c'.repeat(65), customerId: 'x' })).toThrow(/invalid-payload/);
    expect(() => stockflowCatalog.validate('CartCreated', 1, { cartId: '', customerId: 'x' })).toThrow(/invalid-payload/);
  });
});
