// `npm run bench:ab -- <ref A> <ref B> [runs]`: the system benchmark of two builds in alternating runs
// on this machine (A B A B …), so that drift of a shared machine falls on both alike, then the medians
// side by side (issue 12). Each ref is checked out into its own worktree under .stockflow/ab/ with its
// own `npm ci` (a worktree must not borrow this checkout's node_modules: processes resolve the
// workspace's built packages through it) and built once. The BENCH_* environment is passed to every
// run (e.g. BENCH_RATES=half BENCH_SECONDS=10 for shorter runs); each run's report stays in
// .stockflow/ab/<ref>/results/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { workspaceRoot } from './bench-system.js';
import { ProgressLine } from './progress.js';

interface RunFigures {
  readonly capacity: number | null;
  readonly nest: number | null;
  readonly openLoop: { rate: number; readModelP99Ms: number; webP99Ms: number }[];
  readonly rebuild: number | null;
}

const [refA, refB, runsArg] = process.argv.slice(2);
if (!refA || !refB) {
  console.error('usage: npm run bench:ab -- <git ref A> <git ref B> [runs per ref, default 3]');
  process.exit(2);
}
const runs = Number(runsArg ?? 3);
const abRoot = resolve(workspaceRoot, '.stockflow', 'ab');
const git = (...args: string[]): string => execFileSync('git', args, { cwd: workspaceRoot, encoding: 'utf8' }).trim();

function prepare(ref: string): { dir: string; sha: string } {
  const sha = git('rev-parse', '--short=10', `${ref}^{commit}`);
  const dir = resolve(abRoot, sha);
  const progress = new ProgressLine(`A/B ${ref} (${sha})`);
  if (!existsSync(dir)) {
    mkdirSync(abRoot, { recursive: true });
    // A worktree whose folder is gone (`npm run reset` removes .stockflow/) would block adding it again.
    git('worktree', 'prune');
    progress.update('git worktree add', true);
    git('worktree', 'add', '--detach', dir, sha);
  }
  for (const [label, command, args] of [
    ['npm ci', 'npm', ['ci', '--no-audit', '--no-fund']],
    ['build', 'npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']],
  ] as const) {
    progress.update(label, true);
    const result = spawnSync(command, [...args], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) throw new Error(`${ref}: ${label} failed (exit ${result.status})`);
  }
  progress.done(`ready in ${dir}`);
  return { dir, sha };
}

function runOnce(dir: string, label: string): RunFigures {
  const results = resolve(dir, 'results');
  mkdirSync(results, { recursive: true });
  const before = new Set(readdirSync(results));
  const result = spawnSync(process.execPath, ['tools/bench/dist/system-bench.js'], { cwd: dir, env: { ...process.env, BENCH_RESULTS_DIR: results }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${label}: the system benchmark failed (exit ${result.status})`);
  const report = readdirSync(results).find((f) => f.startsWith('system-') && f.endsWith('.json') && !before.has(f));
  if (!report) throw new Error(`${label}: no report written`);
  return figuresOf(JSON.parse(readFileSync(resolve(results, report), 'utf8')) as Record<string, unknown>);
}

/** The figures of a report: its `summary` block, or (builds from before it existed) the closed-loop figure. */
function figuresOf(report: Record<string, unknown>): RunFigures {
  const summary = report['summary'] as
    | { capacityCommandsPerSecond: number | null; sameRunLimits: { nestRequestsPerSecond: number }; openLoop: { rate: number; readModelP99Ms: number; notifyP99Ms: { web: number } }[]; rebuildEventsPerSecond: number | null }
    | undefined;
  if (summary) {
    return {
      capacity: summary.capacityCommandsPerSecond,
      nest: summary.sameRunLimits.nestRequestsPerSecond,
      openLoop: summary.openLoop.map((o) => ({ rate: o.rate, readModelP99Ms: o.readModelP99Ms, webP99Ms: o.notifyP99Ms.web })),
      rebuild: summary.rebuildEventsPerSecond,
    };
  }
  const figures = (report['figures'] ?? []) as { name: string; value: number }[];
  const closed = figures.find((f) => /^closed .*: commands accepted$/.test(f.name));
  const rebuild = figures.find((f) => f.name.startsWith('projections rebuild'));
  return { capacity: closed?.value ?? null, nest: null, openLoop: [], rebuild: rebuild?.value ?? null };
}

const median = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const mid = Math.floor(known.length / 2);
  return known.length % 2 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
};
const show = (v: number | null, digits = 0): string => (v === null ? '—' : v.toLocaleString('en', { maximumFractionDigits: digits }));

function main(): void {
  const a = prepare(refA!);
  const b = prepare(refB!);
  const results: Record<'A' | 'B', RunFigures[]> = { A: [], B: [] };
  for (let i = 1; i <= runs; i++) {
    for (const [side, build, ref] of [['A', a, refA], ['B', b, refB]] as const) {
      new ProgressLine('A/B').done(`run ${i}/${runs} of ${side} (${ref})`);
      results[side].push(runOnce(build.dir, `${side} run ${i}`));
    }
  }
  const rows: [string, (f: RunFigures) => number | null, number][] = [
    ['capacity, commands/s', (f) => f.capacity, 0],
    ['capacity / same-run bare NestJS, %', (f) => (f.capacity !== null && f.nest ? (f.capacity / f.nest) * 100 : null), 2],
    ['same-run bare NestJS, req/s', (f) => f.nest, 0],
    ['rebuild, events/s', (f) => f.rebuild, 0],
  ];
  const rates = [...new Set(results.A.concat(results.B).flatMap((f) => f.openLoop.map((o) => o.rate)))].sort((x, y) => x - y);
  // Rates that depend on each run's capacity differ between runs: compared by position (the n-th open phase).
  const positions = Math.max(0, ...results.A.concat(results.B).map((f) => f.openLoop.length));
  for (let n = 0; n < positions; n++) {
    rows.push([`open phase ${n + 1}: command → read model p99, ms`, (f) => f.openLoop[n]?.readModelP99Ms ?? null, 0]);
    rows.push([`open phase ${n + 1}: restock → web p99, ms`, (f) => f.openLoop[n]?.webP99Ms ?? null, 0]);
  }
  console.log(`\nA = ${refA} (${a.sha}), B = ${refB} (${b.sha}); ${runs} alternating runs each; medians (every run in brackets). Open-loop rates seen: ${rates.join(', ') || 'none'}.\n`);
  console.log('| figure | A | B | B / A |');
  console.log('|---|---:|---:|---:|');
  for (const [name, pick, digits] of rows) {
    const ma = median(results.A.map(pick));
    const mb = median(results.B.map(pick));
    const all = (side: RunFigures[]): string => side.map((f) => show(pick(f), digits)).join(', ');
    console.log(`| ${name} | ${show(ma, digits)} (${all(results.A)}) | ${show(mb, digits)} (${all(results.B)}) | ${ma && mb !== null ? (mb / ma).toFixed(2) : '—'} |`);
  }
  console.log(`\nWorktrees stay in ${abRoot} for the next comparison; remove them with: git worktree remove <dir>`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
