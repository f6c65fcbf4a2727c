import { Type } from '@sinclair/typebox';
import { defineEvent, type DomainEventOf } from '../event-definition.js';
import { PhoneNumber } from './customer-events.js';

const context = 'notifications';
/** One stream per phone number, `phone-<E.164>`: an SMS opt-out belongs to the number, as at the carrier. */
const aggregate = 'phone';

const Keyword = Type.String({ minLength: 1, maxLength: 32, description: 'The keyword as received, upper-cased (STOP, UNSUBSCRIBE, START, …)' });

export const SmsOptedOut = defineEvent({
  type: 'SmsOptedOut',
  context,
  aggregate,
  description: 'The phone number replied STOP (or UNSUBSCRIBE, CANCEL, END, QUIT): no SMS is sent to it until it opts back in.',
  versions: [{ version: 1, schema: Type.Object({ phone: PhoneNumber, keyword: Keyword }, { additionalProperties: false }) }],
});

export const SmsOptedIn = defineEvent({
  type: 'SmsOptedIn',
  context,
  aggregate,
  description: 'The phone number replied START (or UNSTOP, YES) after an opt-out: SMS may be sent to it again.',
  versions: [{ version: 1, schema: Type.Object({ phone: PhoneNumber, keyword: Keyword }, { additionalProperties: false }) }],
});

export const phoneEvents = [SmsOptedOut, SmsOptedIn] as const;

export type PhoneEvent = DomainEventOf<(typeof phoneEvents)[number]>;
