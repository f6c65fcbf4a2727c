// The Prometheus text format (what every process serves on /metrics), read into samples.

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(LABEL)) labels[key!] = value!;
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return samples;
}

/** The sum of every series of `name` whose labels include `match`. */
export function sumOf(samples: readonly MetricSample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  return total;
}

/** Upper bounds of the buckets holding the 50th and 99th percentiles of a histogram's series matching `match`. */
export function histogramQuantiles(samples: readonly MetricSample[], name: string, match: Record<string, string>): { p50: number; p99: number; count: number } | null {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  if (buckets.size === 0) return null;
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const count = sorted[sorted.length - 1]![1];
  const at = (q: number): number => sorted.find(([, c]) => c >= q * count)?.[0] ?? Infinity;
  return { p50: at(0.5), p99: at(0.99), count };
}
