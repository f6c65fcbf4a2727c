// `npm run bench:scale`: issue 14's drill at a steadier rate and longer phases than the system
// test's, with its figures written to bench/results/scale-<time>.{md,json}. Lives beside the drill
// (tools/system-tests) because the drill is the system tests' own code; apps never import each other.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '@stockflow/testing/clients';
import { drillReportLines, runScaleDrill } from './scale-drill.js';

const rate = Number(process.env['BENCH_SCALE_RATE'] ?? 40);
const phaseMs = Number(process.env['BENCH_SCALE_PHASE_MS'] ?? 20_000);
const started = Date.now();
const loadBefore = loadavg()[0]!;
const report = await runScaleDrill({ ratePerSecond: rate, phaseMs, progress: (line) => console.log(`bench:scale [${Math.round((Date.now() - started) / 1000)} s] ${line}`) });
const stamp = new Date(started).toISOString().replace(/[:.]/g, '-').slice(0, 19);
const dir = join(workspaceRoot, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const lines = [
  `# bench:scale — ${new Date(started).toISOString()}`,
  '',
  `Three-node NATS cluster (R3 streams) of its own, two replicas of every process (inventory on a database of its own), open loop ${rate} commands/s (orders and receipts) round-robin over the replicas with one retry on the other replica (same Idempotency-Key); phases of ${phaseMs / 1000} s. Machine: ${cpus().length} cores, load average ${loadBefore.toFixed(2)} before. Absolute figures move 2× between machines.`,
  '',
  ...drillReportLines(report),
  '',
];
writeFileSync(join(dir, `scale-${stamp}.md`), lines.join('\n'));
writeFileSync(join(dir, `scale-${stamp}.json`), JSON.stringify({ machine: { cpus: cpus().length, loadBefore }, ...report }, null, 2));
console.log(lines.join('\n'));
console.log(`bench:scale: wrote bench/results/scale-${stamp}.md and .json`);
const broken = Object.entries(report.invariants).filter(([key, value]) => (Array.isArray(value) ? value.length > 0 : key !== 'ordersAccepted' && value !== 0));
if (broken.length) {
  console.error(`bench:scale: invariants broken: ${broken.map(([k]) => k).join(', ')}`);
  process.exitCode = 1;
}
