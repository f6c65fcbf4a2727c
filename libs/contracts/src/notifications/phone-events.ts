import { Type } from '@sinclair/typebox';
import { defineEvent, type DomainEventOf } from '../event-definition.js';
import { PhoneNumber, sameShape } from './customer-events.js';

const context = 'notifications';
/**
 * One stream per phone number, `phone-<blind index>`: an SMS opt-out belongs to the number, as at the
 * carrier, and outlives any customer's erasure; the log names the number only by its keyed index (ADR 0029).
 */
const aggregate = 'phone';

/** HMAC-SHA-256 of the E.164 number under the context's phone-index key (ADR 0029): `phx1.<43 base64url>`. */
export const PhoneIndex = Type.String({ pattern: '^phx1\\.[A-Za-z0-9_-]{43}$', description: "The number's blind index (ADR 0029)" });

const Keyword = Type.String({ minLength: 1, maxLength: 32, description: 'The keyword as received, upper-cased (STOP, UNSUBSCRIBE, START, …)' });

// v1 held the number in clear; from v2 on it is its blind index (a v1 value is still a valid v2 value).
const phoneEventVersions = [
  { version: 1, schema: Type.Object({ phone: PhoneNumber, keyword: Keyword }, { additionalProperties: false }) },
  { version: 2, upcastFromPrevious: sameShape, schema: Type.Object({ phone: Type.Union([PhoneIndex, PhoneNumber]), keyword: Keyword }, { additionalProperties: false }) },
] as const;

export const SmsOptedOut = defineEvent({
  type: 'SmsOptedOut',
  context,
  aggregate,
  description: 'The phone number replied STOP (or UNSUBSCRIBE, CANCEL, END, QUIT): no SMS is sent to it until it opts back in.',
  versions: phoneEventVersions,
});

export const SmsOptedIn = defineEvent({
  type: 'SmsOptedIn',
  context,
  aggregate,
  description: 'The phone number replied START (or UNSTOP, YES) after an opt-out: SMS may be sent to it again.',
  versions: phoneEventVersions,
});

export const phoneEvents = [SmsOptedOut, SmsOptedIn] as const;

export type PhoneEvent = DomainEventOf<(typeof phoneEvents)[number]>;
