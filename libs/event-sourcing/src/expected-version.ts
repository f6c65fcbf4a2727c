import { ConcurrencyConflict } from './errors.js';
import type { ExpectedVersion } from './event-store.js';

/** Throws ConcurrencyConflict unless a stream at `current` (0 = absent) satisfies `expected`. */
export function assertExpectedVersion(streamId: string, expected: ExpectedVersion, current: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === 0) ||
    (expected === 'stream_exists' && current > 0) ||
    expected === current;
  if (!ok) throw new ConcurrencyConflict(streamId, String(expected), current === 0 ? null : current);
}
