import type { ReadinessCheck } from '../health/readiness.js';

/**
 * Unhealthy ("stuck") when the log has had events the relay has not published for longer than
 * `stuckAfterMs` without it publishing any: a relay that cannot publish (NATS refuses, the stream
 * is full, a fence it cannot pass) is not ready, however small its lag.
 */
export function stuckReadinessCheck(relay: { stalledForMs(): number }, stuckAfterMs: number): ReadinessCheck {
  return async () => {
    const stalledMs = relay.stalledForMs();
    const stuck = stalledMs > stuckAfterMs;
    return { healthy: !stuck, details: { state: stuck ? 'stuck' : 'relaying', stalledMs, stuckAfterMs } };
  };
}
