import type { RecordedEvent, SubscribeToAllOptions } from './event-store.js';

export interface PollSource {
  readAll(options: { after: string | null; maxCount: number }): Promise<RecordedEvent[]>;
  /** Resolves when new events may be readable, or after `timeoutMs`, or when `signal` aborts. */
  waitForAppend(timeoutMs: number, signal: AbortSignal): Promise<void>;
}

const DEFAULT_BATCH = 1000;
const IDLE_WAIT_MS = 50;

/**
 * Catch-up-then-live subscription built on `readAll`: reads full batches back to back while
 * behind, and waits for an append signal (or a short poll interval) once caught up.
 */
export async function* pollSubscription(source: PollSource, options: SubscribeToAllOptions): AsyncIterable<RecordedEvent[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let after = options.after;
  while (!options.signal.aborted) {
    const batch = await source.readAll({ after, maxCount: batchSize });
    if (batch.length > 0) {
      after = batch[batch.length - 1]!.logPosition;
      yield batch;
    }
    if (batch.length < batchSize && !options.signal.aborted) await source.waitForAppend(IDLE_WAIT_MS, options.signal);
  }
}

/** Waits up to `ms`, returning early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
