/** How a supervised process is restarted after it dies: exponential backoff, forgiven once it has been up a while. */
export interface RestartPolicy {
  /** Delay before the first restart (0.5 s). */
  readonly initialDelayMs: number;
  /** Longest delay between restarts (10 s). */
  readonly maxDelayMs: number;
  /** A process up at least this long before dying starts again from the initial delay (30 s). */
  readonly stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 10_000, stableAfterMs: 30_000 };

/**
 * The delay before restarting a process that died after `upMs`, given the delay used before its last
 * restart (none yet: undefined). A process that keeps dying at once waits 0.5, 1, 2, 4, 8, 10, 10 … s.
 */
export function restartDelay(previousDelayMs: number | undefined, upMs: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): number {
  if (previousDelayMs === undefined || upMs >= policy.stableAfterMs) return policy.initialDelayMs;
  return Math.min(previousDelayMs * 2, policy.maxDelayMs);
}
