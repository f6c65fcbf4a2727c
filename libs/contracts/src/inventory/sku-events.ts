import { Type } from '@sinclair/typebox';
import { defineEvent, type DomainEventOf } from '../event-definition.js';
import { EntityId as OrderId, Sku } from '../vocabulary.js';

const context = 'inventory';
const aggregate = 'sku';

const Quantity = Type.Integer({ minimum: 1 });
const Count = Type.Integer({ minimum: 0 });

export const SkuRegistered = defineEvent({
  type: 'SkuRegistered',
  context,
  aggregate,
  description: 'A SKU was added to the catalogue with no stock.',
  versions: [
    { version: 1, schema: Type.Object({ sku: Sku, name: Type.String({ minLength: 1 }) }, { additionalProperties: false }) },
    {
      version: 2,
      schema: Type.Object(
        { sku: Sku, name: Type.String({ minLength: 1 }), lowStockThreshold: Count },
        { additionalProperties: false },
      ),
      // v1 had no low-stock alerts: a threshold of 0 keeps their behaviour (never "low", only "out").
      upcastFromPrevious: (v1) => ({ ...(v1 as object), lowStockThreshold: 0 }),
    },
  ],
});

export const StockReceived = defineEvent({
  type: 'StockReceived',
  context,
  aggregate,
  description: 'Goods were received into stock (a restock).',
  versions: [{ version: 1, schema: Type.Object({ sku: Sku, quantity: Quantity }, { additionalProperties: false }) }],
});

export const StockAdjusted = defineEvent({
  type: 'StockAdjusted',
  context,
  aggregate,
  description: 'On-hand stock was corrected (count, damage, loss).',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        { sku: Sku, delta: Type.Integer(), reason: Type.String({ minLength: 1, maxLength: 500 }) },
        { additionalProperties: false },
      ),
    },
  ],
});

export const StockReserved = defineEvent({
  type: 'StockReserved',
  context,
  aggregate,
  description: 'Units were reserved for an order line.',
  versions: [{ version: 1, schema: Type.Object({ sku: Sku, orderId: OrderId, quantity: Quantity }, { additionalProperties: false }) }],
});

export const StockReservationRejected = defineEvent({
  type: 'StockReservationRejected',
  context,
  aggregate,
  description: 'A reservation for an order line could not be made: not enough available.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        { sku: Sku, orderId: OrderId, requested: Quantity, available: Count },
        { additionalProperties: false },
      ),
    },
  ],
});

export const ReservationReleased = defineEvent({
  type: 'ReservationReleased',
  context,
  aggregate,
  description: 'Units reserved for an order were returned to available stock.',
  versions: [{ version: 1, schema: Type.Object({ sku: Sku, orderId: OrderId, quantity: Quantity }, { additionalProperties: false }) }],
});

export const ReservationCommitted = defineEvent({
  type: 'ReservationCommitted',
  context,
  aggregate,
  description: 'Reserved units left the warehouse with their order (on-hand and reserved both drop).',
  versions: [{ version: 1, schema: Type.Object({ sku: Sku, orderId: OrderId, quantity: Quantity }, { additionalProperties: false }) }],
});

export const StockLevelChanged = defineEvent({
  type: 'StockLevelChanged',
  context,
  aggregate,
  description: 'Stock figures after any change.',
  versions: [
    {
      version: 1,
      schema: Type.Object({ sku: Sku, onHand: Count, reserved: Count, available: Count }, { additionalProperties: false }),
    },
  ],
});

export const OutOfStock = defineEvent({
  type: 'OutOfStock',
  context,
  aggregate,
  description: 'Available stock reached 0.',
  versions: [{ version: 1, schema: Type.Object({ sku: Sku }, { additionalProperties: false }) }],
});

export const BackInStock = defineEvent({
  type: 'BackInStock',
  context,
  aggregate,
  description: 'Available stock went from 0 to more than 0 (only that edge).',
  versions: [{ version: 1, schema: Type.Object({ sku: Sku, available: Quantity }, { additionalProperties: false }) }],
});

export const LowStock = defineEvent({
  type: 'LowStock',
  context,
  aggregate,
  description: 'Available stock crossed the low-stock threshold downward.',
  versions: [
    { version: 1, schema: Type.Object({ sku: Sku, available: Count, threshold: Count }, { additionalProperties: false }) },
  ],
});

export const skuEvents = [
  SkuRegistered,
  StockReceived,
  StockAdjusted,
  StockReserved,
  StockReservationRejected,
  ReservationReleased,
  ReservationCommitted,
  StockLevelChanged,
  OutOfStock,
  BackInStock,
  LowStock,
] as const;

export type SkuEvent = DomainEventOf<(typeof skuEvents)[number]>;
