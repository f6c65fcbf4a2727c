import { Type } from '@sinclair/typebox';
import { OrderLineSchema } from '../carts/cart-events.js';
import { defineEvent, type DomainEventOf } from '../event-definition.js';
import { EntityId as Id, Sku } from '../vocabulary.js';

const context = 'orders';
const aggregate = 'order';

const Count = Type.Integer({ minimum: 0 });

export const OrderPlaced = defineEvent({
  type: 'OrderPlaced',
  context,
  aggregate,
  description: 'An order was placed (directly, or from a checked-out cart) and awaits its reservations.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          orderId: Id,
          customerId: Id,
          lines: Type.Array(OrderLineSchema, { minItems: 1, maxItems: 100 }),
          cartId: Type.Union([Id, Type.Null()]),
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const OrderConfirmed = defineEvent({
  type: 'OrderConfirmed',
  context,
  aggregate,
  description: 'Every line of the order is reserved.',
  versions: [{ version: 1, schema: Type.Object({ orderId: Id }, { additionalProperties: false }) }],
});

export const ShortLineSchema = Type.Object({ sku: Sku, requested: Type.Integer({ minimum: 1 }), available: Count }, { additionalProperties: false });

export const OrderRejected = defineEvent({
  type: 'OrderRejected',
  context,
  aggregate,
  description: 'The order could not be fulfilled; every partial reservation is released.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        { orderId: Id, reason: Type.String({ minLength: 1 }), shortLines: Type.Array(ShortLineSchema) },
        { additionalProperties: false },
      ),
    },
  ],
});

export const OrderCancelled = defineEvent({
  type: 'OrderCancelled',
  context,
  aggregate,
  description: 'The customer cancelled the order; its reservations are released.',
  versions: [{ version: 1, schema: Type.Object({ orderId: Id, reason: Type.String() }, { additionalProperties: false }) }],
});

export const orderEvents = [OrderPlaced, OrderConfirmed, OrderRejected, OrderCancelled] as const;
export type OrderEvent = DomainEventOf<(typeof orderEvents)[number]>;
