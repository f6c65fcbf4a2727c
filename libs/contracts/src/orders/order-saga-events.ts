import { Type } from '@sinclair/typebox';
import { OrderLineSchema } from '../carts/cart-events.js';
import { defineEvent, type DomainEventOf } from '../event-definition.js';
import { EntityId as Id, Sku } from '../vocabulary.js';

// The order saga (process manager) keeps its own stream per order, `ordersaga-<orderId>`. Its
// requests are inventory's input: inventory consumes `orders.ordersaga.>`.
const context = 'orders';
const aggregate = 'ordersaga';

const Quantity = Type.Integer({ minimum: 1 });
const Count = Type.Integer({ minimum: 0 });

export const OrderSagaStarted = defineEvent({
  type: 'OrderSagaStarted',
  context,
  aggregate,
  description: 'The saga took charge of an order and will ask inventory for every line by the deadline.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        { orderId: Id, lines: Type.Array(OrderLineSchema, { minItems: 1 }), deadline: Type.String({ format: 'date-time' }) },
        { additionalProperties: false },
      ),
    },
  ],
});

export const ReservationRequested = defineEvent({
  type: 'ReservationRequested',
  context,
  aggregate,
  description: 'Asks inventory to reserve units of one SKU for an order.',
  versions: [{ version: 1, schema: Type.Object({ orderId: Id, sku: Sku, quantity: Quantity }, { additionalProperties: false }) }],
});

export const ReservationReleaseRequested = defineEvent({
  type: 'ReservationReleaseRequested',
  context,
  aggregate,
  description: 'Asks inventory to release whatever it reserved of one SKU for an order (a no-op when nothing is).',
  versions: [{ version: 1, schema: Type.Object({ orderId: Id, sku: Sku }, { additionalProperties: false }) }],
});

export const LineReservationRecorded = defineEvent({
  type: 'LineReservationRecorded',
  context,
  aggregate,
  description: "The saga recorded inventory's answer for one line.",
  versions: [
    {
      version: 1,
      schema: Type.Object(
        { orderId: Id, sku: Sku, outcome: Type.Union([Type.Literal('reserved'), Type.Literal('rejected')]), requested: Quantity, available: Count },
        { additionalProperties: false },
      ),
    },
  ],
});

export const OrderSagaCompleted = defineEvent({
  type: 'OrderSagaCompleted',
  context,
  aggregate,
  description: 'The saga finished: the order was confirmed, rejected, cancelled or timed out.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          orderId: Id,
          outcome: Type.Union([Type.Literal('confirmed'), Type.Literal('rejected'), Type.Literal('cancelled'), Type.Literal('timed-out')]),
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const orderSagaEvents = [OrderSagaStarted, ReservationRequested, ReservationReleaseRequested, LineReservationRecorded, OrderSagaCompleted] as const;
export type OrderSagaEvent = DomainEventOf<(typeof orderSagaEvents)[number]>;
