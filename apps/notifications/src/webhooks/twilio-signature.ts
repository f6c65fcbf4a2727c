import { isDevelopment, ProblemDetailsException, ProblemTypes } from '@stockflow/platform';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationsConfig } from '../notifications-config.js';

/**
 * Checks a Twilio webhook's `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, the URL the provider
 * called + every form parameter name and value, sorted by name)). Without a token only development
 * accepts unsigned requests; otherwise nothing is accepted (ADR 0027). Throws a 403 problem.
 */
export function checkTwilioSignature(config: NotificationsConfig, path: string, form: Record<string, unknown>, signature: string | undefined): void {
  const token = config.SMS_WEBHOOK_AUTH_TOKEN;
  if (!token) {
    if (isDevelopment(config)) return;
    throw new ProblemDetailsException({
      status: 403,
      type: ProblemTypes.forbidden,
      title: 'Forbidden',
      detail: 'Unsigned webhooks are refused outside development, and no webhook auth token is configured (SMS_WEBHOOK_AUTH_TOKEN).',
    });
  }
  const base = (config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/$/, '');
  const expected = Buffer.from(twilioSignature(token, `${base}${path}`, form));
  const given = Buffer.from(signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ProblemDetailsException({ status: 403, type: ProblemTypes.forbidden, title: 'Forbidden', detail: 'The webhook signature is missing or does not match.' });
  }
}

/** Twilio's signature of a form posted to `url`. */
export function twilioSignature(token: string, url: string, form: Record<string, unknown>): string {
  const data = `${url}${Object.keys(form)
    .sort()
    .map((key) => `${key}${String(form[key])}`)
    .join('')}`;
  return createHmac('sha1', token).update(data).digest('base64');
}
