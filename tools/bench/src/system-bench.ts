// `npm run bench:system`: the whole system (every process `npm start` runs, in schemas, a subject
// namespace and ports of its own) driven through its REST APIs with a realistic mix — carts and
// checkouts, direct orders, restocks, cancellations — open loop at each rate of BENCH_RATES, then
// closed loop flat out with BENCH_CLIENTS clients. Per phase: commands/s accepted; HTTP p50/p99/max;
// command → read model visible on the projections' SSE stream; restock → notification per channel;
// relay and consumer lag (max of 1 s samples of every /metrics); CPU share of every process; and at
// the end a rebuild of every read model from the whole log the phases wrote (events/s replayed).
// Results: bench/results/system-<date>.{json,md}.
//
// Environment: BENCH_RATES (250,500,1000), BENCH_SECONDS (20, per phase), BENCH_CLIENTS (64; 0 skips
// the closed loop), BENCH_WARMUP_SECONDS (5), BENCH_SKUS (200), BENCH_CUSTOMERS (1000),
// BENCH_PROBE_RATE (2 notification probes/s), BENCH_DRAIN_SECONDS (15), BENCH_SETTLE_SECONDS (60: the
// longest wait before a phase for relays and consumers to have nothing pending),
// BENCH_CPU_PROF (process names, comma-separated: profile them with the V8 sampler into
// <results>/cpu-profiles/, see cpu-profile-preload.ts), BENCH_RESULTS_DIR (bench/results).
import { mkdirSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport } from './bench-report.js';
import { MACHINE_BASELINES } from './machine-baselines.js';
import { IDENTITY } from '@stockflow/system-launcher';
import { OPERATOR } from './bench-callers.js';
import { resultsDir, startBenchSystem, workspaceRoot } from './bench-system.js';
import { topSelfTime } from './cpu-profile-summary.js';
import { must, pool } from './http-client.js';
import { LagSampler } from './lag-sampler.js';
import { runPhase, type PhaseResult, type PhaseShape, type PhaseTools } from './load-phase.js';
import { NotificationProbes } from './notification-probes.js';
import { CpuSampler } from './process-cpu.js';
import { ProgressLine } from './progress.js';
import { ReadModelWatch } from './read-model-watch.js';
import { GOALS, systemFigures, systemSections } from './system-report.js';
import { MIX, SystemWorkload } from './system-workload.js';

const rates = (process.env.BENCH_RATES ?? '250,500,1000').split(',').map(Number).filter((r) => r > 0);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const clients = Number(process.env.BENCH_CLIENTS ?? 64);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const skuCount = Number(process.env.BENCH_SKUS ?? 200);
const customers = Number(process.env.BENCH_CUSTOMERS ?? 1000);
const probeRate = Number(process.env.BENCH_PROBE_RATE ?? 2);
const drainSeconds = Number(process.env.BENCH_DRAIN_SECONDS ?? 15);
const settleSeconds = Number(process.env.BENCH_SETTLE_SECONDS ?? 60);
const profiled = (process.env.BENCH_CPU_PROF ?? '').split(',').filter(Boolean);
const INITIAL_STOCK = 1_000_000;

/** What POST /admin/rebuild answers (the figures the bench reports). */
interface RebuildFigures {
  readonly events: number;
  readonly replayMs: number;
  readonly eventsPerSecond: number;
  readonly projections: readonly { projection: string; events: number; eventsPerSecond: number }[];
}

async function main(): Promise<void> {
  const progress = new ProgressLine('system-bench');
  const loadAtStart = loadavg();
  const profileDir = resolve(resultsDir, 'cpu-profiles', `system-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (profiled.length > 0) mkdirSync(profileDir, { recursive: true });
  const preload = pathToFileURL(resolve(workspaceRoot, 'tools/bench/dist/cpu-profile-preload.js')).href;
  const env = Object.fromEntries(profiled.map((name) => [name, { NODE_OPTIONS: `--import ${preload}`, BENCH_CPU_PROF_DIR: profileDir, BENCH_CPU_PROF_NAME: name }]));
  progress.done(`starting the system${profiled.length ? ` (profiling ${profiled.join(', ')})` : ''}`);
  const sys = await startBenchSystem('system-bench', env);
  // Interrupted: still stop the processes and drop the run's schemas and streams.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void sys.stop().finally(() => process.exit(130)));
  const watch = new ReadModelWatch();
  const phases: PhaseResult[] = [];
  const notes: string[] = [];
  let lag: LagSampler | null = null;
  let rebuild: RebuildFigures | null = null;
  try {
    progress.done(`system up: ${sys.system.running.length} processes (log: ${sys.logFile})`);
    const skus = Array.from({ length: skuCount }, (_, i) => `SYS-${String(i).padStart(4, '0')}`);
    const operator = await sys.callers.headers(OPERATOR);
    await pool(skus, 16, async (sku) => {
      await must('POST', `${sys.url('inventory')}/skus`, { sku, name: `Bench ${sku}`, lowStockThreshold: 10 }, 201, operator);
      await must('POST', `${sys.url('inventory')}/skus/${sku}/receipts`, { quantity: INITIAL_STOCK }, 200, operator);
    });
    progress.done(`${skuCount} SKUs registered with ${INITIAL_STOCK.toLocaleString('en')} units each`);
    await watch.open(sys.url('projections'), operator);
    const metricsTargets = Object.fromEntries(sys.system.specs.filter((s) => !s.name.endsWith('-sink') && s.name !== 'dashboard' && s.name !== IDENTITY.name).map((s) => [s.name, s.url]));
    lag = new LagSampler(metricsTargets, operator);
    lag.start();
    for (const name of profiled) {
      const pid = sys.system.pids()[name];
      if (pid === undefined) throw new Error(`BENCH_CPU_PROF: no process named ${name} (${sys.system.running.join(', ')})`);
      process.kill(pid, 'SIGUSR2'); // start profiling: set-up is done
    }
    const workload = new SystemWorkload({ carts: sys.url('carts'), orders: sys.url('orders'), inventory: sys.url('inventory') }, skus, customers, watch);
    await sys.callers.prepareCustomers(workload.customerIds());
    progress.done(`${customers} customers' tokens minted`);
    const tools: PhaseTools = {
      workload,
      watch,
      lag,
      cpu: new CpuSampler(() => sys.system.pids()),
      probes: new NotificationProbes((name) => sys.url(name), sys.callers),
      callers: sys.callers,
    };
    const settings = { seconds, probeRate, drainSeconds, settleSeconds };
    if (warmupSeconds > 0) {
      const warm = await runPhase('warm-up', { mode: 'open', rate: rates[0] ?? 250 }, { seconds: warmupSeconds, probeRate: 0, drainSeconds, settleSeconds }, tools);
      notes.push(`warm-up (not in the figures): ${warmupSeconds} s open loop at ${rates[0] ?? 250}/s, ${warm.acceptedPerSecond} accepted/s, visible p99 ${warm.visible.p99} ms.`);
    }
    const shapes: [string, PhaseShape][] = rates.map((rate) => [`open ${rate}/s`, { mode: 'open', rate }]);
    if (clients > 0) shapes.push([`closed ${clients} clients`, { mode: 'closed', clients }]);
    for (const [label, shape] of shapes) phases.push(await runPhase(label, shape, settings, tools));
    // The whole log the phases wrote, replayed into fresh read models while the service keeps serving.
    progress.update('rebuilding every read model from the log', true);
    await lag.settle(settleSeconds * 1000);
    rebuild = (await must('POST', `${sys.url('projections')}/admin/rebuild`, undefined, 200, operator)) as RebuildFigures;
    progress.done(`rebuild: ${rebuild.events.toLocaleString('en')} events in ${rebuild.replayMs} ms = ${rebuild.eventsPerSecond.toLocaleString('en')} events/s`);
  } finally {
    lag?.stop();
    watch.close();
    await sys.stop();
  }

  const profiles = [];
  if (profiled.length > 0) {
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      profiles.push({ process: file.replace(/\.\d+\.cpuprofile$/, ''), top: topSelfTime(resolve(profileDir, file), 12) });
    }
    notes.push(`CPU profiles (V8 sampler from the end of set-up, warm-up included, to the process's exit): ${profileDir}`);
  }

  const loadAtEnd = loadavg();
  notes.push(
    `Mix (share of commands): cart steps ${MIX.cart}% (open a cart, add 1–3 lines, check out), direct orders ${MIX.order}% (1–2 lines), restocks ${MIX.restock}%, cancellations of confirmed orders ${MIX.cancel}% (a direct order when none is confirmed yet); ${skuCount} SKUs with ${INITIAL_STOCK.toLocaleString('en')} units each, ${customers} customers.`,
    `Open loop: commands scheduled every 1/rate s whatever the answers; HTTP and read-model latencies count from the scheduled time (no coordinated omission). Closed loop: ${clients} clients, each sends its next command when the last is answered; latencies from the send. ${seconds} s per phase after a ${warmupSeconds} s warm-up; before each phase the bench waits (up to ${settleSeconds} s) until no relay or consumer has anything pending, so a phase does not pay for the backlog of the one before.`,
    'Command → read model visible: time until the change arrives on the projections service\'s SSE stream GET /views/stream, matched by row key and content (stock: on-hand reached the receipt\'s answer; cart: created / has the line / checked out; order: placed / cancelled); a row arriving before the HTTP answer counts from its arrival.',
    `Restock → notification: ${probeRate} probe SKUs/s restocked from 0 during each phase, one subscriber each (email + SMS + web). Web: arrival on the customer's notification SSE stream. The mail and SMS sinks have no stream: they are read after the phase and their receivedAt stamps (same clock) are used. Probe restocks are not counted as commands.`,
    'Lag: relay_lag_events, consumer_lag_messages, projection_lag_events/_milliseconds of every process\'s /metrics, sampled each second; the maximum is reported. Throughput: deltas of events_appended_total, relay_published_total, consumer_handled_total, projection_events_applied_total over the load window.',
    `CPU: utime+stime from /proc of every process of the system, of this load generator, and of all postgres and nats-server processes (shared with anything else using them on this machine), as % of all ${cpus().length} cores over the load window.`,
    `Load average (1/5/15 min) at start ${loadAtStart.map((l) => l.toFixed(2)).join('/')}, at end ${loadAtEnd.map((l) => l.toFixed(2)).join('/')}; the machine is shared, so figures vary between runs.`,
    `Goals: ≥ ${GOALS.commandsPerSecond.toLocaleString('en')} commands/s end to end (closed loop, visible on the read side within the run); command → read model p99 ≤ ${GOALS.visibleP99Ms} ms at ${GOALS.visibleGoalRate}/s; restock → web p99 ≤ ${GOALS.webP99Ms} ms.`,
    `machine: ${process.platform}/${process.arch}, ${cpus().length} cores, Node ${process.version}; every process of the system, PostgreSQL, NATS and the load generator on the same host.`,
  );
  const figures = systemFigures(phases);
  if (rebuild) {
    figures.push({
      name: 'projections rebuild: whole log replayed into fresh read models (POST /admin/rebuild)',
      value: rebuild.eventsPerSecond,
      unit: 'events/s',
      baseline: MACHINE_BASELINES.jetStreamDurableConsume,
      goal: GOALS.rebuildEventsPerSecond,
      detail: { events: rebuild.events, 'replay ms': rebuild.replayMs, ...Object.fromEntries(rebuild.projections.map((p) => [p.projection, `${p.events} ev, ${p.eventsPerSecond}/s`])) },
    });
  }
  const written = writeReport(resultsDir, 'system', figures, notes, { sections: systemSections(phases, profiles), data: { settings: { rates, seconds, clients, warmupSeconds, skuCount, customers, probeRate, drainSeconds, settleSeconds }, phases, rebuild, profiles } });
  progress.done(`results: ${written.json}\n  summary: ${written.markdown}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
