import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The machine's raw limit for the same shape of work, when there is one. */
  readonly baseline?: number;
  readonly goal?: number;
  readonly detail?: Record<string, number | string>;
}

/** Writes `<dir>/<name>-<date>.json` and a markdown summary beside it; returns their paths. */
export function writeReport(dir: string, name: string, figures: readonly BenchFigure[], notes: readonly string[]): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  const json = resolve(dir, `${name}-${stamp}.json`);
  const markdown = resolve(dir, `${name}-${stamp}.md`);
  const machine = { node: process.version, platform: `${process.platform}/${process.arch}` };
  writeFileSync(json, JSON.stringify({ name, at: new Date().toISOString(), machine, figures, notes }, null, 2));
  const rows = figures.map((f) => {
    const ratio = f.baseline ? `${((f.value / f.baseline) * 100).toFixed(0)}% of ${f.baseline.toLocaleString('en')}` : '—';
    const goal = f.goal ? `${f.value >= f.goal ? 'met' : 'MISSED'} (≥ ${f.goal.toLocaleString('en')})` : '—';
    const detail = f.detail ? Object.entries(f.detail).map(([k, v]) => `${k} ${v}`).join(', ') : '';
    return `| ${f.name} | ${Math.round(f.value).toLocaleString('en')} ${f.unit} | ${ratio} | ${goal} | ${detail} |`;
  });
  writeFileSync(
    markdown,
    [`# ${name} — ${new Date().toISOString()}`, '', `Node ${process.version}. Ratios are against the machine baselines (shared/reference/machine-baselines.md).`, '', '| figure | result | vs raw limit | goal | detail |', '|---|---:|---|---|---|', ...rows, '', ...notes.map((n) => `- ${n}`), ''].join('\n'),
  );
  return { json, markdown };
}
