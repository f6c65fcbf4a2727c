/**
 * Delay before the next attempt after `attempt` failures: exponential from `baseMs` (×2 per attempt)
 * up to `maxMs`, with "equal jitter" (half fixed, half random) so a burst of failures spreads out
 * without any retry coming back almost at once. A provider's Retry-After is a floor.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random, retryAfterMs = 0): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const delay = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.max(delay, Math.min(retryAfterMs, maxMs)));
}
