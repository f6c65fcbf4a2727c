import { Type } from '@sinclair/typebox';
import { defineEvent, type DomainEventOf } from '../event-definition.js';
import { EntityId as Id, Sku } from '../vocabulary.js';

const context = 'carts';
const aggregate = 'cart';

const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000 });
export const OrderLineSchema = Type.Object({ sku: Sku, quantity: Quantity }, { additionalProperties: false });

export const CartCreated = defineEvent({
  type: 'CartCreated',
  context,
  aggregate,
  description: 'A customer opened a cart.',
  versions: [{ version: 1, schema: Type.Object({ cartId: Id, customerId: Id }, { additionalProperties: false }) }],
});

export const CartLineSet = defineEvent({
  type: 'CartLineSet',
  context,
  aggregate,
  description: 'A cart line was added or its quantity changed.',
  versions: [{ version: 1, schema: Type.Object({ cartId: Id, sku: Sku, quantity: Quantity }, { additionalProperties: false }) }],
});

export const CartLineRemoved = defineEvent({
  type: 'CartLineRemoved',
  context,
  aggregate,
  description: 'A cart line was removed.',
  versions: [{ version: 1, schema: Type.Object({ cartId: Id, sku: Sku }, { additionalProperties: false }) }],
});

export const CartCheckedOut = defineEvent({
  type: 'CartCheckedOut',
  context,
  aggregate,
  description: 'A cart was checked out: the orders service places the order with the given order id; the cart is closed.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        { cartId: Id, customerId: Id, orderId: Id, lines: Type.Array(OrderLineSchema, { minItems: 1, maxItems: 100 }) },
        { additionalProperties: false },
      ),
    },
  ],
});

export const cartEvents = [CartCreated, CartLineSet, CartLineRemoved, CartCheckedOut] as const;
export type CartEvent = DomainEventOf<(typeof cartEvents)[number]>;
