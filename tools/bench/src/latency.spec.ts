import { describe, expect, it } from '@jest/globals';
import { Latency, percentileFigure } from './latency.js';

describe('Latency', () => {
  it('reports percentiles and the maximum in ms from an HdrHistogram, not an average', () => {
    const latency = new Latency();
    for (let i = 1; i <= 100; i++) latency.record(i); // 1 … 100 ms
    latency.record(5_000); // one outlier
    const summary = latency.summary();
    expect(summary.count).toBe(101);
    expect(summary.p50).toBeCloseTo(51, 0);
    expect(summary.p99).toBeCloseTo(100, 0);
    expect(summary.max).toBeCloseTo(5_000, -1);
  });

  it('keeps sub-millisecond latencies and reports zeros when empty', () => {
    const latency = new Latency();
    expect(latency.summary()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
    latency.record(0.25);
    expect(latency.summary().p50).toBeCloseTo(0.25, 2);
  });

  it('makes a p99 figure judged against an upper goal', () => {
    const figure = percentileFigure('restock → web', [10, 20, 30], 100);
    expect(figure).toMatchObject({ name: 'restock → web p99', unit: 'ms', goal: 100, goalIsMax: true });
    expect(figure.value).toBeCloseTo(30, 0);
  });
});
