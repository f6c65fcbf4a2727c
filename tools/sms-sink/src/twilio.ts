import type { StoredSms } from '@stockflow/sink-kit';
import { createHmac, randomBytes } from 'node:crypto';

/** Twilio's Messages API, the part the notifier speaks: `POST /2010-04-01/Accounts/:sid/Messages.json`. */
export const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

export const E164 = /^\+[1-9]\d{6,14}$/;

/** Twilio's error body: `{ code, message, more_info, status }`. */
export interface TwilioError {
  readonly code: number;
  readonly message: string;
  readonly more_info: string;
  readonly status: number;
}

export function twilioError(status: number, code: number, message: string): TwilioError {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** `SM` + 32 hex digits, like Twilio's message SIDs. */
export function messageSid(): string {
  return `SM${randomBytes(16).toString('hex')}`;
}

/** Checks a form-encoded create request: the 400 answer, or the message to store. */
export function validateCreate(accountSid: string, form: URLSearchParams, now = new Date()): { error: TwilioError } | { sms: StoredSms } {
  const to = form.get('To');
  if (to === null || to.trim() === '') return { error: twilioError(400, 21211, "A 'To' phone number is required.") };
  if (!E164.test(to)) return { error: twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`) };
  const body = form.get('Body');
  if (body === null || body.trim() === '') return { error: twilioError(400, 21602, 'Message body is required.') };
  const from = form.get('From') ?? form.get('MessagingServiceSid');
  return { sms: { sid: messageSid(), to, from, body, accountSid, receivedAt: now.toISOString() } };
}

/** Twilio's dates are RFC 2822: `Thu, 24 Aug 2023 05:01:45 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** The 201 body: Twilio's Message resource, the fields a client reads. */
export function messageResource(sms: StoredSms): Record<string, unknown> {
  const created = rfc2822(new Date(sms.receivedAt));
  return {
    sid: sms.sid,
    account_sid: sms.accountSid,
    to: sms.to,
    from: sms.from,
    body: sms.body,
    status: 'queued',
    direction: 'outbound-api',
    num_segments: '1',
    date_created: created,
    date_updated: created,
    date_sent: null,
    error_code: null,
    error_message: null,
    price: null,
    api_version: '2010-04-01',
    uri: `/2010-04-01/Accounts/${sms.accountSid}/Messages/${sms.sid}.json`,
  };
}

/** What becomes of a message, by the recipient's last digits (like Twilio's magic test numbers). */
export interface MessageFate {
  readonly status: 'delivered' | 'undelivered';
  readonly errorCode: string | null;
}

/**
 * `…30003`: undelivered, 30003 (unreachable handset); `…21610`: undelivered, 21610 (the recipient
 * replied STOP to this sender); any other number: delivered.
 */
export function fateOf(to: string): MessageFate {
  if (to.endsWith('30003')) return { status: 'undelivered', errorCode: '30003' };
  if (to.endsWith('21610')) return { status: 'undelivered', errorCode: '21610' };
  return { status: 'delivered', errorCode: null };
}

/** The form of a status callback, as Twilio posts it. */
export function statusCallbackForm(sms: StoredSms, status: string, errorCode: string | null): Record<string, string> {
  return {
    AccountSid: sms.accountSid,
    ApiVersion: '2010-04-01',
    From: sms.from ?? '',
    MessageSid: sms.sid,
    MessageStatus: status,
    SmsSid: sms.sid,
    SmsStatus: status,
    To: sms.to,
    ...(errorCode ? { ErrorCode: errorCode } : {}),
  };
}

/** Twilio's `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + each parameter name and value, sorted by name)). */
export function twilioSignature(authToken: string, url: string, form: Record<string, string>): string {
  const data = `${url}${Object.keys(form)
    .sort()
    .map((key) => `${key}${form[key]}`)
    .join('')}`;
  return createHmac('sha1', authToken).update(data).digest('base64');
}
