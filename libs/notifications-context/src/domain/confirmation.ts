// Contact confirmation (ADR 0028): an email address or phone number receives notifications only after its
// owner confirmed it with a one-time code. Pure decisions; the code itself is never recorded, only a keyed
// hash of it (HMAC-SHA-256 under the service's secret over salt, confirmation id and code), so neither events
// nor logs hold it, and a reader of the log cannot try the million six-digit codes against the hash.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { notificationCustomer } from '@stockflow/contracts';
import { DomainError } from '@stockflow/event-sourcing';
import { derivedKey } from './derived-keys.js';

export type ContactChannel = 'email' | 'sms';

/** A code is valid this long after it was requested. */
export const CONFIRMATION_TTL_MS = 24 * 60 * 60 * 1000;
/** Wrong attempts before a pending confirmation locks (a new code must be requested). */
export const CONFIRMATION_MAX_ATTEMPTS = 5;

export const ConfirmationErrors = {
  noPending: 'confirmation-not-pending',
  wrongCode: 'confirmation-code-wrong',
  expired: 'confirmation-expired',
  locked: 'confirmation-locked',
} as const;

/** One pending (or finished) confirmation of one channel's address. */
export interface PendingConfirmation {
  readonly confirmationId: string;
  readonly channel: ContactChannel;
  readonly address: string;
  readonly codeHash: string;
  readonly salt: string;
  readonly expiresAt: string;
  readonly maxAttempts: number;
  readonly attempts: number;
  readonly locked: boolean;
}

/** What the customer aggregate knows of its contacts' confirmations. */
export interface ConfirmationState {
  readonly pending: Readonly<Partial<Record<ContactChannel, PendingConfirmation>>>;
  /** The address confirmed per channel (lower-cased for email), if any. */
  readonly confirmed: Readonly<Partial<Record<ContactChannel, string>>>;
}

export const NO_CONFIRMATIONS: ConfirmationState = { pending: {}, confirmed: {} };

/** The key of the codes' hashes, derived from the service's secret (never stored with the hashes). */
export function confirmationCodeKey(secret: string): Buffer {
  return derivedKey(secret, 'stockflow contact confirmation codes v1');
}

/** The keyed hash of a code: hex HMAC-SHA-256 under `key` over salt, confirmation id and code. */
export function hashConfirmationCode(key: string | Uint8Array, salt: string, confirmationId: string, code: string): string {
  return createHmac('sha256', key).update(`${salt}:${confirmationId}:${code}`).digest('hex');
}

function normalise(channel: ContactChannel, address: string): string {
  return channel === 'email' ? address.toLowerCase() : address;
}

/** Whether `address` is the confirmed address of `channel` (the "can be reached" decision needs it). */
export function isConfirmed(state: ConfirmationState, channel: ContactChannel, address: string | null): boolean {
  return address !== null && state.confirmed[channel] === normalise(channel, address);
}

/**
 * Asks for a confirmation of `address`: nothing when it is already confirmed or a live, unlocked request for
 * the same address is pending (one message per request). The caller draws the code, salt and id at random.
 */
export function decideRequestConfirmation(
  customerId: string,
  state: ConfirmationState,
  request: { channel: ContactChannel; address: string; confirmationId: string; code: string; salt: string; key: string | Uint8Array },
  now: Date,
): notificationCustomer.CustomerEvent[] {
  const { channel, address, confirmationId, code, salt, key } = request;
  if (isConfirmed(state, channel, address)) return [];
  const pending = state.pending[channel];
  if (pending && !pending.locked && pending.address === address && Date.parse(pending.expiresAt) > now.getTime()) return [];
  return [
    {
      type: 'ContactConfirmationRequested',
      data: {
        customerId,
        channel,
        address,
        confirmationId,
        codeHash: hashConfirmationCode(key, salt, confirmationId, code),
        salt,
        expiresAt: new Date(now.getTime() + CONFIRMATION_TTL_MS).toISOString(),
        maxAttempts: CONFIRMATION_MAX_ATTEMPTS,
      },
    },
  ];
}

/**
 * Checks a code. Right → `ContactConfirmed`. Wrong → `ContactConfirmationFailed` (which the caller records and
 * then answers 4xx), `locked` on the last allowed attempt. Expired, locked or absent → a DomainError, nothing
 * recorded. Confirming an already confirmed address again records nothing.
 */
export function decideConfirm(
  customerId: string,
  state: ConfirmationState,
  channel: ContactChannel,
  code: string,
  now: Date,
  key: string | Uint8Array,
): notificationCustomer.CustomerEvent[] {
  const pending = state.pending[channel];
  if (!pending) {
    if (state.confirmed[channel]) return [];
    throw new DomainError('not-found', `customer ${customerId} has no ${channel} confirmation pending`, ConfirmationErrors.noPending);
  }
  if (pending.locked) throw new DomainError('conflict', `the ${channel} confirmation is locked; request a new code`, ConfirmationErrors.locked);
  if (Date.parse(pending.expiresAt) <= now.getTime()) {
    throw new DomainError('conflict', `the ${channel} confirmation expired; request a new code`, ConfirmationErrors.expired);
  }
  const given = Buffer.from(hashConfirmationCode(key, pending.salt, pending.confirmationId, code), 'hex');
  if (timingSafeEqual(given, Buffer.from(pending.codeHash, 'hex'))) {
    return [{ type: 'ContactConfirmed', data: { customerId, channel, address: pending.address, confirmationId: pending.confirmationId } }];
  }
  const attempts = pending.attempts + 1;
  return [{ type: 'ContactConfirmationFailed', data: { customerId, channel, confirmationId: pending.confirmationId, attempts, locked: attempts >= pending.maxAttempts } }];
}

export function evolveConfirmations(state: ConfirmationState, event: notificationCustomer.CustomerEvent): ConfirmationState {
  switch (event.type) {
    case 'ContactConfirmationRequested': {
      const { channel, address, confirmationId, codeHash, salt, expiresAt, maxAttempts } = event.data;
      return { ...state, pending: { ...state.pending, [channel]: { channel, address, confirmationId, codeHash, salt, expiresAt, maxAttempts, attempts: 0, locked: false } } };
    }
    case 'ContactConfirmationFailed': {
      const pending = state.pending[event.data.channel];
      if (!pending || pending.confirmationId !== event.data.confirmationId) return state;
      return { ...state, pending: { ...state.pending, [event.data.channel]: { ...pending, attempts: event.data.attempts, locked: event.data.locked } } };
    }
    case 'ContactConfirmed': {
      const { channel, address } = event.data;
      const { [channel]: _done, ...pending } = state.pending;
      return { pending, confirmed: { ...state.confirmed, [channel]: normalise(channel, address) } };
    }
    case 'EmailSuppressed': {
      // Bounced or complained about: unconfirmed until its owner confirms it again.
      const { email: _suppressed, ...confirmed } = state.confirmed;
      return { ...state, confirmed };
    }
    default:
      return state;
  }
}
