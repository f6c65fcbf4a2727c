// Quiet hours: a local daily window (`start`–`end`, spanning midnight when start > end) in the
// customer's IANA time zone, in which nothing is sent. A delivery due inside it is held until the
// window ends — never dropped.

import type { QuietHours } from './preferences.js';
import { clockMinutes } from './rules.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Seconds since local midnight of `instant` in `timeZone` (UTC when the zone is unknown). */
export function localSecondOfDay(instant: Date, timeZone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatter(timeZone).formatToParts(instant);
  } catch {
    parts = formatter('UTC').formatToParts(instant);
  }
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return (get('hour') % 24) * 3600 + get('minute') * 60 + get('second');
}

export function inQuietHours(instant: Date, timeZone: string, quiet: QuietHours | null): boolean {
  if (!quiet) return false;
  const start = clockMinutes(quiet.start) * 60;
  const end = clockMinutes(quiet.end) * 60;
  if (start === end) return false;
  const now = localSecondOfDay(instant, timeZone);
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * When a delivery due at `instant` may go out: `instant` itself outside quiet hours, else the end of
 * the window in the customer's zone (daylight-saving changes included: a window end that falls in a
 * skipped hour is released just after the gap).
 */
export function releaseTime(instant: Date, timeZone: string, quiet: QuietHours | null): Date {
  if (!quiet || !inQuietHours(instant, timeZone, quiet)) return instant;
  const end = clockMinutes(quiet.end) * 60;
  const now = localSecondOfDay(instant, timeZone);
  let release = new Date(instant.getTime() + (((end - now + 86_400) % 86_400) || 86_400) * 1000);
  // Wall-clock arithmetic is off by the offset change when the window spans a DST switch: correct once.
  const drift = end - localSecondOfDay(release, timeZone);
  const correction = ((drift + 43_200 + 86_400) % 86_400) - 43_200;
  if (correction !== 0) {
    const corrected = new Date(release.getTime() + correction * 1000);
    if (corrected > instant) release = corrected;
  }
  // Still inside (the end fell into a skipped hour)? Step forward to the first minute outside.
  for (let i = 0; i < 180 && inQuietHours(release, timeZone, quiet); i++) release = new Date(release.getTime() + 60_000);
  return release;
}
