/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const POLL_INTERVAL_MS = 25;

/**
 * Polls `probe` until `accept` takes its value, and returns that value; after `timeoutMs` it fails
 * with `what` and the last value seen. For a yes/no probe, pass `Boolean` as `accept`.
 */
export async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const last = await probe();
    if (accept(last)) return last;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await sleep(POLL_INTERVAL_MS);
  }
}
