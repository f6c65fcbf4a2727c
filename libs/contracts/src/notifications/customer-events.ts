import { Type } from '@sinclair/typebox';
import { defineEvent, type DomainEventOf } from '../event-definition.js';
import { EntityId } from '../vocabulary.js';

const context = 'notifications';
const aggregate = 'customer';

/** A customer id as the other contexts use it (opaque, 1–64 characters). */
export const CustomerId = EntityId;
/** An E.164 phone number: `+`, country code, subscriber number, 8 to 16 characters in all. */
export const PhoneNumber = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164, e.g. +4915123456789' });
/** An email address (a pattern, not a TypeBox `format`: formats need a registry the catalog does not install). */
export const EmailAddress = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
/**
 * A contact value sealed with the customer's data key (ADR 0029): `A256GCM.<iv>.<ciphertext>.<tag>`,
 * base64url. Erasure deletes the key, and the value is noise from then on, in the log and in JetStream.
 */
export const SealedContactValue = Type.String({ pattern: '^A256GCM\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]{22}$', maxLength: 2048, description: 'AES-256-GCM under the customer key (ADR 0029)' });
/** The upcaster of events whose version 2 only allows a contact field to be sealed: a v1 value is a valid v2 value. */
export const sameShape = (v1: unknown): unknown => v1;

/** A BCP 47 language tag the templates know, e.g. `en`, `de`, `de-AT`. */
export const Locale = Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 });
/** An IANA time zone name, e.g. `Europe/Berlin`, `UTC`. */
export const TimeZone = Type.String({ minLength: 1, maxLength: 64 });
/** A wall-clock time `HH:MM`, 00:00–23:59. */
export const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

export const ChannelChoice = Type.Object(
  { email: Type.Boolean(), sms: Type.Boolean(), web: Type.Boolean() },
  { additionalProperties: false, description: 'The channels the customer wants to be told on' },
);

export const QuietHours = Type.Object(
  { start: ClockTime, end: ClockTime },
  {
    additionalProperties: false,
    description: 'Local window in which nothing is sent (held, never dropped); `start` > `end` spans midnight',
  },
);

export const NotificationPreferencesSet = defineEvent({
  type: 'NotificationPreferencesSet',
  context,
  aggregate,
  description: "A customer's contact details and notification preferences were set (the whole set, replacing the previous one).",
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          customerId: CustomerId,
          email: Type.Union([EmailAddress, Type.Null()]),
          phone: Type.Union([PhoneNumber, Type.Null()]),
          locale: Locale,
          timeZone: TimeZone,
          channels: ChannelChoice,
          quietHours: Type.Union([QuietHours, Type.Null()]),
        },
        { additionalProperties: false },
      ),
    },
    {
      // Contact details sealed with the customer's key (ADR 0029).
      version: 2,
      upcastFromPrevious: sameShape,
      schema: Type.Object(
        {
          customerId: CustomerId,
          email: Type.Union([EmailAddress, SealedContactValue, Type.Null()]),
          phone: Type.Union([PhoneNumber, SealedContactValue, Type.Null()]),
          locale: Locale,
          timeZone: TimeZone,
          channels: ChannelChoice,
          quietHours: Type.Union([QuietHours, Type.Null()]),
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const EmailUnsubscribed = defineEvent({
  type: 'EmailUnsubscribed',
  context,
  aggregate,
  description: 'The customer used the one-click unsubscribe link of an email: no more email for this address.',
  versions: [
    { version: 1, schema: Type.Object({ customerId: CustomerId, email: EmailAddress }, { additionalProperties: false }) },
    { version: 2, upcastFromPrevious: sameShape, schema: Type.Object({ customerId: CustomerId, email: Type.Union([EmailAddress, SealedContactValue]) }, { additionalProperties: false }) },
  ],
});

export const InboxNotificationRead = defineEvent({
  type: 'InboxNotificationRead',
  context,
  aggregate,
  description: 'The customer marked a web (inbox) notification as read.',
  versions: [
    {
      version: 1,
      schema: Type.Object({ customerId: CustomerId, notificationId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    },
  ],
});

/** The channel a contact address is for: an email address (`email`) or a phone number (`sms`). */
export const ContactChannel = Type.Union([Type.Literal('email'), Type.Literal('sms')]);
/** An email address or an E.164 phone number, as its channel says. */
export const ContactAddress = Type.Union([EmailAddress, PhoneNumber]);

/** What a confirmation request records besides whose address it is: never the code, only its keyed hash. */
const pendingConfirmationFields = {
  confirmationId: Type.String({ format: 'uuid' }),
  codeHash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'HMAC-SHA-256, under the notifications service secret, of salt, confirmation id and code' }),
  salt: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  expiresAt: Type.String({ format: 'date-time' }),
  maxAttempts: Type.Integer({ minimum: 1, maximum: 20 }),
};

export const ContactConfirmationRequested = defineEvent({
  type: 'ContactConfirmationRequested',
  context,
  aggregate,
  description:
    'An email address or phone number was set and must be confirmed by its owner before it receives notifications: ' +
    'a one-time code is sent to it once. Only a keyed hash of the code is recorded.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          customerId: CustomerId,
          channel: ContactChannel,
          address: ContactAddress,
          ...pendingConfirmationFields,
        },
        { additionalProperties: false },
      ),
    },
    {
      version: 2,
      upcastFromPrevious: sameShape,
      schema: Type.Object(
        {
          customerId: CustomerId,
          channel: ContactChannel,
          address: Type.Union([EmailAddress, PhoneNumber, SealedContactValue]),
          ...pendingConfirmationFields,
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const ContactConfirmationFailed = defineEvent({
  type: 'ContactConfirmationFailed',
  context,
  aggregate,
  description: 'A wrong code was given for a pending confirmation; `locked` when the attempts are used up (a new code must be requested).',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          customerId: CustomerId,
          channel: ContactChannel,
          confirmationId: Type.String({ format: 'uuid' }),
          attempts: Type.Integer({ minimum: 1 }),
          locked: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const ContactConfirmed = defineEvent({
  type: 'ContactConfirmed',
  context,
  aggregate,
  description: 'The owner of an email address or phone number confirmed it with the code sent to it: it may receive notifications now.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        { customerId: CustomerId, channel: ContactChannel, address: ContactAddress, confirmationId: Type.String({ format: 'uuid' }) },
        { additionalProperties: false },
      ),
    },    {
      version: 2,
      upcastFromPrevious: sameShape,
      schema: Type.Object(
        { customerId: CustomerId, channel: ContactChannel, address: Type.Union([EmailAddress, PhoneNumber, SealedContactValue]), confirmationId: Type.String({ format: 'uuid' }) },
        { additionalProperties: false },
      ),
    },
  ],
});

export const CustomerDataErased = defineEvent({
  type: 'CustomerDataErased',
  context,
  aggregate,
  description:
    "The customer's contact details were erased (right to erasure, ADR 0029): their data key is destroyed, so every sealed " +
    'contact value of theirs in the log is noise; read models drop their address and number.',
  versions: [{ version: 1, schema: Type.Object({ customerId: CustomerId, erasedAt: Type.String({ format: 'date-time' }) }, { additionalProperties: false }) }],
});

export const EmailSuppressed = defineEvent({
  type: 'EmailSuppressed',
  context,
  aggregate,
  description:
    'The mail provider reported a hard bounce of, or a complaint about, a message to the customer’s current email address (ADR 0032): the address counts as unconfirmed, so no more email goes to it until its owner confirms it again. Carries no address.',
  versions: [
    {
      version: 1,
      schema: Type.Object(
        {
          customerId: CustomerId,
          reason: Type.Union([Type.Literal('bounce'), Type.Literal('complaint')]),
          provider: Type.String({ minLength: 1, maxLength: 32, description: 'The webhook it came from, e.g. mailgun' }),
          detail: Type.String({ maxLength: 300, description: 'The provider’s code and description, addresses masked' }),
          messageId: Type.String({ minLength: 1, maxLength: 200, description: 'The Message-ID of the message it was about' }),
        },
        { additionalProperties: false },
      ),
    },
  ],
});

export const customerEvents = [
  NotificationPreferencesSet,
  EmailUnsubscribed,
  InboxNotificationRead,
  ContactConfirmationRequested,
  ContactConfirmationFailed,
  ContactConfirmed,
  CustomerDataErased,
  EmailSuppressed,
] as const;

export type CustomerEvent = DomainEventOf<(typeof customerEvents)[number]>;
