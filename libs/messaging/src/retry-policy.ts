/** When to try a message again after a transient failure, and when to give up on it. */
export interface RetryPolicy {
  /** Deliveries before a message goes to the dead-letter stream (the first delivery counts). */
  readonly maxDeliveries: number;
  /** Delay before delivery n+1, by n (the last entry repeats). */
  readonly backoffMs: readonly number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxDeliveries: 6, backoffMs: [200, 1000, 5000, 15000, 30000] };

/** Exponential-ish backoff from the table, with ±20% jitter so retries of a burst spread out. */
export function retryDelayMs(policy: RetryPolicy, deliveryCount: number): number {
  const table = policy.backoffMs;
  const base = table[Math.min(deliveryCount - 1, table.length - 1)] ?? 1000;
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
