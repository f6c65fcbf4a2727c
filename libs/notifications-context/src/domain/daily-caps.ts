// Daily caps per e-mail address and per phone number (ADR 0028): however many customers name one
// address or number, and however many notifications they subscribe to, it receives at most a cap a
// UTC day. The counters live in PostgreSQL under a keyed hash of the address, never the address.
import { createHmac } from 'node:crypto';
import { derivedKey } from './derived-keys.js';
import type { ChannelName } from './contact.js';

/** The channels with a daily cap: those that reach someone outside stockflow (web is the customer's own inbox). */
export type CappedChannel = Extract<ChannelName, 'email' | 'sms'>;

/** Messages one address (email) or number (sms) may receive a UTC day. */
export interface DailyCaps {
  readonly email: number;
  readonly sms: number;
}

/** Defaults: well above any honest day of back-in-stock alerts, low enough that pumping one number pays nothing. */
export const DEFAULT_DAILY_CAPS: DailyCaps = { email: 50, sms: 20 };

/** The cap of a channel; null for channels without one (web). */
export function dailyCapOf(channel: ChannelName, caps: DailyCaps): number | null {
  return channel === 'email' || channel === 'sms' ? caps[channel] : null;
}

/** What makes two spellings one recipient: e-mail addresses case-insensitively, numbers as stored (E.164). */
export function normalizedRecipient(channel: CappedChannel, recipient: string): string {
  const trimmed = recipient.trim();
  return channel === 'email' ? trimmed.toLowerCase() : trimmed;
}

const CAP_KEY_INFO = 'stockflow notifier daily caps v1';

/**
 * The key of the counters' hashes, derived from a secret the process already keeps out of the database,
 * so a copy of the counter table alone does not give the numbers back by trying every one (a plain hash
 * of a phone number would).
 */
export function dailyCapKey(secret: string): Buffer {
  return derivedKey(secret, CAP_KEY_INFO);
}

/** The counter's name for a recipient: HMAC-SHA-256 of channel and normalized address, base64url (43 characters). */
export function recipientCapHash(key: Uint8Array, channel: CappedChannel, recipient: string): string {
  return createHmac('sha256', key).update(`${channel}\u0000${normalizedRecipient(channel, recipient)}`).digest('base64url');
}

/** What the counter said for one delivery about to be sent. */
export type CapAdmission =
  /** Counted now: `count` of `cap` used today. */
  | { readonly kind: 'counted'; readonly count: number }
  /** Counted before for this recipient (a retry or a resumed send): not counted again. */
  | { readonly kind: 'already-counted' }
  /** The recipient reached its cap today: not sent, never retried. */
  | { readonly kind: 'capped' };

/** Whether a delivery may be sent after asking the counter. */
export function mayBeSent(admission: CapAdmission): boolean {
  return admission.kind !== 'capped';
}
