import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The machine's raw limit for the same shape of work, when there is one. */
  readonly baseline?: number;
  readonly goal?: number;
  /** The goal is an upper bound (latencies); by default a lower bound (throughput). */
  readonly goalIsMax?: boolean;
  readonly detail?: Record<string, number | string>;
}

/** A markdown section after the figures (a table, an analysis), as lines. */
export interface ReportSection {
  readonly title: string;
  readonly lines: readonly string[];
}

export interface ReportExtras {
  readonly sections?: readonly ReportSection[];
  /** What "vs raw limit" divides by; by default the reference file's machine baselines. */
  readonly ratiosAgainst?: string;
  /** Raw measurements kept in the JSON only. */
  readonly data?: Record<string, unknown>;
}

/** Whole numbers from 100 up, two decimals below (latencies in ms). */
export function formatValue(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en') : String(Math.round(value * 100) / 100);
}

export function goalVerdict(f: BenchFigure): string {
  if (f.goal === undefined) return '—';
  const met = f.goalIsMax ? f.value <= f.goal : f.value >= f.goal;
  return `${met ? 'met' : 'MISSED'} (${f.goalIsMax ? '≤' : '≥'} ${f.goal.toLocaleString('en')})`;
}

/** Writes `<dir>/<name>-<date>.json` and a markdown summary beside it; returns their paths. */
export function writeReport(dir: string, name: string, figures: readonly BenchFigure[], notes: readonly string[], extras: ReportExtras = {}): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  const json = resolve(dir, `${name}-${stamp}.json`);
  const markdown = resolve(dir, `${name}-${stamp}.md`);
  const machine = { node: process.version, platform: `${process.platform}/${process.arch}` };
  // A `summary` in the data is lifted to the top, where tools read it.
  const { summary, ...data } = extras.data ?? {};
  writeFileSync(json, JSON.stringify({ name, at: new Date().toISOString(), machine, ...(summary ? { summary } : {}), figures, notes, ...(extras.data ? { data } : {}) }, null, 2));
  const rows = figures.map((f) => {
    const ratio = f.baseline ? `${((f.value / f.baseline) * 100).toFixed(f.value / f.baseline < 0.1 ? 1 : 0)}% of ${Math.round(f.baseline).toLocaleString('en')}` : '—';
    const detail = f.detail ? Object.entries(f.detail).map(([k, v]) => `${k} ${v}`).join(', ') : '';
    return `| ${f.name} | ${formatValue(f.value)} ${f.unit} | ${ratio} | ${goalVerdict(f)} | ${detail} |`;
  });
  const sections = (extras.sections ?? []).flatMap((s) => [`## ${s.title}`, '', ...s.lines, '']);
  writeFileSync(
    markdown,
    [
      `# ${name} — ${new Date().toISOString()}`,
      '',
      `Node ${process.version}. ${extras.ratiosAgainst ?? 'Ratios are against the machine baselines (shared/reference/machine-baselines.md).'}`,
      '',
      '| figure | result | vs raw limit | goal | detail |',
      '|---|---:|---|---|---|',
      ...rows,
      '',
      ...sections,
      ...notes.map((n) => `- ${n}`),
      '',
    ].join('\n'),
  );
  return { json, markdown };
}
