import { describe, expect, it } from '@jest/globals';
import { ContractViolation } from './event-catalog.js';
import { stockflowCatalog } from './catalog.js';

describe('event catalog', () => {
  it('accepts a valid current payload', () => {
    expect(() => stockflowCatalog.validate('StockReceived', 1, { sku: 'A-1', quantity: 3 })).not.toThrow();
  });

  it('rejects an invalid payload with the failing fields', () => {
    try {
      stockflowCatalog.validate('StockReceived', 1, { sku: 'A-1', quantity: 0, extra: true });
      throw new Error('expected a violation');
    } catch (error) {
      expect(error).toBeInstanceOf(ContractViolation);
      const violation = error as ContractViolation;
      expect(violation.reason).toBe('invalid-payload');
      expect(violation.details.join(' ')).toContain('/quantity');
    }
  });

  it('rejects unknown types and versions', () => {
    expect(() => stockflowCatalog.validate('NoSuchEvent', 1, {})).toThrow(/unknown-type/);
    expect(() => stockflowCatalog.validate('StockReceived', 7, { sku: 'A', quantity: 1 })).toThrow(/unknown-version/);
  });

  it('appends strictly but reads tolerantly: a field it does not know is refused by validate and ignored by upcast (ADR 0035)', () => {
    const newer = { sku: 'A-1', quantity: 3, receivedBy: 'dock-2' };
    expect(() => stockflowCatalog.validate('StockReceived', 1, newer)).toThrow(ContractViolation);
    expect(stockflowCatalog.upcast('StockReceived', 1, newer)).toEqual({ schemaVersion: 1, data: newer });
    expect(() => stockflowCatalog.upcast('StockReceived', 1, { sku: 'A-1', quantity: 0 })).toThrow(/quantity/);
  });

  it('upcasts an old version to the current one', () => {
    const upcast = stockflowCatalog.upcast('SkuRegistered', 1, { sku: 'A-1', name: 'Mug' });
    expect(upcast).toEqual({ schemaVersion: 2, data: { sku: 'A-1', name: 'Mug', lowStockThreshold: 0 } });
  });

  it('leaves a current payload as it is', () => {
    const data = { sku: 'A-1', name: 'Mug', lowStockThreshold: 4 };
    expect(stockflowCatalog.upcast('SkuRegistered', 2, data)).toEqual({ schemaVersion: 2, data });
  });

  it('checks the formats contracts declare (date-time)', () => {
    const started = { orderId: 'o-1', lines: [{ sku: 'A', quantity: 1 }], deadline: '2030-01-01T00:00:30.000Z' };
    expect(() => stockflowCatalog.validate('OrderSagaStarted', 1, started)).not.toThrow();
    expect(() => stockflowCatalog.validate('OrderSagaStarted', 1, { ...started, deadline: 'tomorrow' })).toThrow(/deadline/);
  });
});
