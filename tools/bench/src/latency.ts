// Latencies in an HdrHistogram (microsecond resolution, 3 significant digits), summarised in ms.
import hdr from 'hdr-histogram-js';
import type { BenchFigure } from './bench-report.js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export class Latency {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

  /** Records one latency in milliseconds (fractions kept to the microsecond). */
  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** p50, p99 and max in ms (2 decimals); zeros when empty. */
  summary(): LatencySummary {
    const ms = (us: number): number => Math.round(us / 10) / 100;
    if (this.histogram.totalCount === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    return { count: this.histogram.totalCount, p50: ms(this.histogram.getValueAtPercentile(50)), p99: ms(this.histogram.getValueAtPercentile(99)), max: ms(this.histogram.maxValue) };
  }
}

/** A figure for the p99 of `samples` (ms) against an upper goal. */
export function percentileFigure(name: string, samples: readonly number[], goalMs: number): BenchFigure {
  const latency = new Latency();
  for (const s of samples) latency.record(s);
  const { count, p50, p99, max } = latency.summary();
  return { name: `${name} p99`, value: p99, unit: 'ms', goal: goalMs, goalIsMax: true, detail: { samples: count, 'p50 ms': p50, 'p99 ms': p99, 'max ms': max } };
}
