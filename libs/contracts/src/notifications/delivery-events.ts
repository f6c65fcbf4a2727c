import { Type } from '@sinclair/typebox';
import { defineEvent, type DomainEventOf } from '../event-definition.js';
import { LOWER_UUID_PATTERN as Uuid, Sku } from '../vocabulary.js';
import { CustomerId } from './customer-events.js';
import { Channel } from './subscription-events.js';

const context = 'notifications';
/**
 * One stream per delivery, `delivery-<id>`, holding its one outcome: the notifier appends it in the
 * transaction that records the outcome, so the read side learns of every delivery exactly once and
 * no two notifier workers ever contend for a stream.
 */
const aggregate = 'delivery';


const deliveryFields = {
  deliveryId: Type.String({ pattern: Uuid, description: 'The delivery (one per subscription, stock event and channel)' }),
  subscriptionId: Type.String({ pattern: Uuid }),
  customerId: CustomerId,
  sku: Sku,
  channel: Channel,
  kind: Type.Union([Type.Literal('back-in-stock'), Type.Literal('low-stock'), Type.Literal('out-of-stock')], { description: 'What the notification told' }),
  /** The inventory event whose change was notified. */
  stockEventId: Type.String({ pattern: Uuid }),
  attempts: Type.Integer({ minimum: 1, description: 'Send attempts, this one included' }),
};

export const NotificationDelivered = defineEvent({
  type: 'NotificationDelivered',
  context,
  aggregate,
  description:
    'A notification reached its channel: accepted by the mail server or SMS provider, or written to the customer’s web inbox. Appended once per delivery, in the transaction that records it.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          ...deliveryFields,
          provider: Type.String({ minLength: 1, maxLength: 64, description: 'Who accepted it: smtp host, SMS account, or inbox' }),
          /** Milliseconds from the stock change to acceptance; the read side's delivery latency. */
          latencyMs: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const NotificationFailed = defineEvent({
  type: 'NotificationFailed',
  context,
  aggregate,
  description: 'A notification was given up after its last attempt (permanent rejection or retries exhausted); nothing more is sent for it.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        { ...deliveryFields, reason: Type.String({ minLength: 1, maxLength: 500, description: 'The last error, as reported by the provider' }) },
        { additionalProperties: false },
      ),
    },
  ],
});

export const SmsDeliveryReported = defineEvent({
  type: 'SmsDeliveryReported',
  context,
  aggregate,
  description:
    'The SMS provider reported the final fate of a sent SMS (its status callback): delivered to the handset, or not (undelivered, failed) with the provider’s error code. Follows NotificationDelivered on the delivery’s stream, once.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          deliveryId: deliveryFields.deliveryId,
          customerId: CustomerId,
          sku: Sku,
          providerMessageId: Type.String({ minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9]+$', description: 'The provider’s message id (Twilio: the message SID)' }),
          status: Type.Union([Type.Literal('delivered'), Type.Literal('undelivered'), Type.Literal('failed')]),
          errorCode: Type.Union([Type.String({ pattern: '^[0-9]{1,10}$' }), Type.Null()], { description: 'The provider’s error code (e.g. 30003 unreachable, 21610 unsubscribed), null when delivered' }),
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const deliveryEvents = [NotificationDelivered, NotificationFailed, SmsDeliveryReported] as const;

export type DeliveryEvent = DomainEventOf<(typeof deliveryEvents)[number]>;
