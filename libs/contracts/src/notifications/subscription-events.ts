import { Type } from '@sinclair/typebox';
import { defineEvent, type DomainEventOf } from '../event-definition.js';
import { LOWER_UUID_PATTERN as Uuid, Sku } from '../vocabulary.js';
import { CustomerId } from './customer-events.js';

const context = 'notifications';
const aggregate = 'subscription';

const SubscriptionId = Type.String({ pattern: Uuid, description: 'The subscription id (a lower-case UUID)' });

/**
 * `back-in-stock`: one-shot, told once when the SKU is back (first subscribed first, as many as there
 * are units); `availability`: told of every transition (back in stock, low, out of stock) until cancelled.
 */
export const SubscriptionKind = Type.Union([Type.Literal('back-in-stock'), Type.Literal('availability')]);

export const Channel = Type.Union([Type.Literal('email'), Type.Literal('sms'), Type.Literal('web')]);

export const SubscriptionCreated = defineEvent({
  type: 'SubscriptionCreated',
  context,
  aggregate,
  description: 'A customer asked to be told when a SKU is back in stock (or of every availability change). Its occurredAt is the subscription time that orders fair waves.',
  versions: [
    {
      version: 1,
      schema: Type.Object({ subscriptionId: SubscriptionId, customerId: CustomerId, sku: Sku, kind: SubscriptionKind }, { additionalProperties: false }),
    },
  ],
});

export const SubscriptionCancelled = defineEvent({
  type: 'SubscriptionCancelled',
  context,
  aggregate,
  description: 'The customer cancelled the subscription; nothing more is sent for it.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          subscriptionId: SubscriptionId,
          customerId: CustomerId,
          sku: Sku,
          reason: Type.Union([Type.Literal('customer'), Type.Literal('unsubscribe-link')]),
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const SubscriptionFulfilled = defineEvent({
  type: 'SubscriptionFulfilled',
  context,
  aggregate,
  description:
    'A back-in-stock subscription was picked in a restock wave: its notifications are planned on the listed channels (delivered by the notifier) and the subscription ends.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          subscriptionId: SubscriptionId,
          customerId: CustomerId,
          sku: Sku,
          /** The inventory event (BackInStock) whose wave picked it. */
          restockEventId: Type.String({ pattern: Uuid }),
          channels: Type.Array(Channel, { uniqueItems: true, maxItems: 3 }),
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const subscriptionEvents = [SubscriptionCreated, SubscriptionCancelled, SubscriptionFulfilled] as const;

export type SubscriptionEvent = DomainEventOf<(typeof subscriptionEvents)[number]>;
