import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RESTART_POLICY, restartDelay } from './restart-policy.js';

describe('restartDelay', () => {
  it('waits 0.5 s, then doubles while the process keeps dying at once, up to 10 s', () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let i = 0; i < 8; i++) delays.push((previous = restartDelay(previous, 1_000)));
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  });

  it('starts again from 0.5 s once the process had been up for a while', () => {
    expect(restartDelay(10_000, DEFAULT_RESTART_POLICY.stableAfterMs)).toBe(500);
    expect(restartDelay(10_000, DEFAULT_RESTART_POLICY.stableAfterMs - 1)).toBe(10_000);
    expect(restartDelay(4_000, 2_000, { initialDelayMs: 100, maxDelayMs: 5_000, stableAfterMs: 1_000 })).toBe(100);
  });
});
