import { createHmac } from 'node:crypto';
import { derivedKey } from './derived-keys.js';

const PHONE_INDEX = /^phx1\.[A-Za-z0-9_-]{43}$/;

/**
 * The key of phone numbers' blind index (ADR 0029), derived from the context's secret: the log and
 * the opt-out read model name a number by `phoneIndexOf(key, number)`, so an SMS opt-out outlives
 * every customer's erasure without the number being kept. Without the key, an index names no number.
 */
export function phoneIndexKey(secret: string): Buffer {
  return derivedKey(secret, 'stockflow phone blind index v1');
}

/** `phx1.<HMAC-SHA-256 of the E.164 number, base64url>`: the same number always gives the same index. */
export function phoneIndexOf(key: Buffer, phone: string): string {
  return `phx1.${createHmac('sha256', key).update(phone, 'utf8').digest('base64url')}`;
}

export function isPhoneIndex(value: string): boolean {
  return PHONE_INDEX.test(value);
}

/** The index of a phone event's `phone`: v2 events carry it, v1 events (written before ADR 0029's index) the number. */
export function phoneIndexOfEvent(key: Buffer, phone: string): string {
  return isPhoneIndex(phone) ? phone : phoneIndexOf(key, phone);
}
