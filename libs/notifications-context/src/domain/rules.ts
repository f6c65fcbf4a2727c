// Pure value rules of the notifications context: no NestJS, no pg, no NATS. SKU codes and ids are
// the contracts' vocabulary (@stockflow/contracts).

/** E.164: `+`, a country code that does not start with 0, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
/** `HH:MM`, 00:00–23:59. */
export const CLOCK_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
/** A BCP 47 tag of the shape the templates look up: `en`, `de`, `de-AT`, `pt-BR`. */
export const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** An opaque identifier: the contracts' one rule (1–64 code units, not blank, printable, storable). */
export { isIdentifier } from '@stockflow/contracts';

export function isE164(value: unknown): value is string {
  return typeof value === 'string' && E164_PATTERN.test(value);
}

export function isClockTime(value: unknown): value is string {
  return typeof value === 'string' && CLOCK_TIME_PATTERN.test(value);
}

/**
 * The canonical IANA name of a time zone Intl knows (`europe/berlin` → `Europe/Berlin`), or null.
 * Offsets such as `+02:00` are refused: quiet hours follow the customer's daylight-saving rules.
 */
export function canonicalTimeZone(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64 || /^[+-]/.test(value)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Minutes since midnight of `HH:MM`. */
export function clockMinutes(value: string): number {
  const [h, m] = value.split(':').map(Number);
  return h! * 60 + m!;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
