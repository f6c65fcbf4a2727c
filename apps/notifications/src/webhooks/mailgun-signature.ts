import { isDevelopment, ProblemDetailsException, ProblemTypes } from '@stockflow/platform';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationsConfig } from '../notifications-config.js';

/** How old a signed webhook may be: older ones are refused as replays. */
export const MAX_WEBHOOK_AGE_S = 15 * 60;

/** Mailgun's webhook signature block: hex(HMAC-SHA256(signing key, timestamp + token)). */
export interface WebhookSignature {
  readonly timestamp: string;
  readonly token: string;
  readonly signature: string;
}

export function mailgunSignature(key: string, timestamp: string, token: string): string {
  return createHmac('sha256', key).update(`${timestamp}${token}`).digest('hex');
}

/**
 * Checks a mail-event webhook's signature and age. Without a signing key only development accepts
 * unsigned reports (ADR 0027); otherwise every one is refused. Throws a 403 problem.
 */
export function checkMailgunSignature(config: NotificationsConfig, signed: WebhookSignature | null, now = Date.now()): void {
  const key = config.EMAIL_WEBHOOK_SIGNING_KEY;
  const refuse = (detail: string): never => {
    throw new ProblemDetailsException({ status: 403, type: ProblemTypes.forbidden, title: 'Forbidden', detail });
  };
  if (!key) {
    if (isDevelopment(config)) return;
    refuse('Unsigned webhooks are refused outside development, and no signing key is configured (EMAIL_WEBHOOK_SIGNING_KEY).');
  }
  if (!signed) return refuse('The webhook signature is missing.');
  const age = now / 1000 - Number(signed.timestamp);
  if (!(Math.abs(age) <= MAX_WEBHOOK_AGE_S)) refuse('The webhook is too old (or from the future): refused as a replay.');
  const expected = Buffer.from(mailgunSignature(key!, signed.timestamp, signed.token));
  const given = Buffer.from(signed.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) refuse('The webhook signature does not match.');
}
