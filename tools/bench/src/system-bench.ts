// `npm run bench:system`: the whole system (every process `npm start` runs, authentication on, in
// schemas, a subject namespace and ports of its own) driven through its REST APIs with a realistic mix
// — carts and checkouts, direct orders, restocks, cancellations. First the machine's raw limits are
// measured in the same run (limits/same-run-limits.ts); every figure is reported as a ratio to them.
// Then: the cost of each part of the mix alone (cost-model.ts); the capacity, closed loop flat out with
// BENCH_CLIENTS clients; open loop at each rate of BENCH_RATES ("half" is half the capacity just
// measured). Per phase: commands/s accepted; HTTP p50/p99/max; command → read model visible on the
// projections' SSE stream; restock → notification per channel; relay and consumer lag; CPU share of
// every process; and at the end a rebuild of every read model from the whole log (events/s replayed).
// Results: bench/results/system-<date>.{json,md}; the JSON's `summary` block is stable for tools.
//
// Environment: BENCH_RATES (100,half), BENCH_SECONDS (20, per phase), BENCH_CLIENTS (64; 0 skips
// the closed loop), BENCH_WARMUP_SECONDS (5), BENCH_SKUS (200), BENCH_CUSTOMERS (1000),
// BENCH_PROBE_RATE (2 notification probes/s), BENCH_DRAIN_SECONDS (15), BENCH_SETTLE_SECONDS (60: the
// longest wait before a phase for relays and consumers to have nothing pending), BENCH_COST_SECONDS
// (5 per part of the mix; 0 skips the cost model), BENCH_LIMITS_SECONDS (8 per raw limit),
// BENCH_CPU_PROF (process names, comma-separated: profile them with the V8 sampler into
// <results>/cpu-profiles/, see cpu-profile-preload.ts), BENCH_RESULTS_DIR (bench/results).
import { mkdirSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport } from './bench-report.js';
import { connectNats } from '@stockflow/messaging';
import { createPool } from '@stockflow/postgres';
import { IDENTITY } from '@stockflow/system-launcher';
import { CostModel, costSection, type CommandCost } from './cost-model.js';
import { measureSameRunLimits } from './limits/same-run-limits.js';
import { OPERATOR } from './bench-callers.js';
import { natsUrl, resultsDir, startBenchSystem, workspaceRoot } from './bench-system.js';
import { topSelfTime } from './cpu-profile-summary.js';
import { must, pool } from './http-client.js';
import { LagSampler } from './lag-sampler.js';
import { runPhase, type PhaseResult, type PhaseShape, type PhaseTools } from './load-phase.js';
import { NotificationProbes } from './notification-probes.js';
import { CpuSampler } from './process-cpu.js';
import { ProgressLine } from './progress.js';
import { ReadModelWatch } from './read-model-watch.js';
import { GOALS, summaryOf, systemFigures, systemSections } from './system-report.js';
import { MIX, SystemWorkload, type MixPart } from './system-workload.js';

/** Open-loop rates: numbers, or `half` for half the capacity the closed loop measured. */
const rates = (process.env.BENCH_RATES ?? '100,half').split(',').map((r) => r.trim()).filter((r) => r === 'half' || Number(r) > 0);
const costSeconds = Number(process.env.BENCH_COST_SECONDS ?? 5);
const limitsSeconds = Number(process.env.BENCH_LIMITS_SECONDS ?? 8);
const COST_PARTS: readonly MixPart[] = ['order', 'cart', 'restock', 'cancel'];
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
  // The raw limits first, on a machine with nothing of the system running yet.
  const limits = await measureSameRunLimits(progress, { natsUrl, seconds: limitsSeconds });
  progress.done(`starting the system${profiled.length ? ` (profiling ${profiled.join(', ')})` : ''}`);
  const sys = await startBenchSystem('system-bench', env);
  // Interrupted: still stop the processes and drop the run's schemas and streams.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void sys.stop().finally(() => process.exit(130)));
  const watch = new ReadModelWatch();
  const phases: PhaseResult[] = [];
  const notes: string[] = [];
  let lag: LagSampler | null = null;
  let rebuild: RebuildFigures | null = null;
  const costs: CommandCost[] = [];
  const nats = await connectNats({ url: natsUrl, name: 'system-bench' });
  const statsPool = createPool({ max: 2, applicationName: 'system-bench' });
  let costModel: CostModel | null = null;
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
      const warm = await runPhase('warm-up', { mode: 'open', rate: 100 }, { seconds: warmupSeconds, probeRate: 0, drainSeconds, settleSeconds }, tools);
      notes.push(`warm-up (not in the figures): ${warmupSeconds} s open loop at 100/s, ${warm.acceptedPerSecond} accepted/s, visible p99 ${warm.visible.p99} ms.`);
    }
    if (costSeconds > 0) {
      costModel = new CostModel({ workload, lag, cpu: tools.cpu, callers: sys.callers, nats, namespace: sys.namespace, pool: statsPool });
      for (const part of COST_PARTS) costs.push(await costModel.measure(part, costSeconds, 8, settleSeconds * 1000));
    }
    // Capacity first: the open-loop rate `half` is half of it.
    let capacity = 0;
    if (clients > 0) {
      const closed = await runPhase(`closed ${clients} clients`, { mode: 'closed', clients }, settings, tools);
      phases.push(closed);
      capacity = closed.acceptedPerSecond;
    }
    for (const rate of rates) {
      const perSecond = rate === 'half' ? Math.max(1, Math.round(capacity / 2)) : Number(rate);
      if (rate === 'half' && capacity === 0) continue;
      const shape: PhaseShape = { mode: 'open', rate: perSecond };
      phases.push(await runPhase(`open ${perSecond}/s${rate === 'half' ? ' (half capacity)' : ''}`, shape, settings, tools));
    }
    // The whole log the phases wrote, replayed into fresh read models while the service keeps serving.
    progress.update('rebuilding every read model from the log', true);
    await lag.settle(settleSeconds * 1000);
    rebuild = (await must('POST', `${sys.url('projections')}/admin/rebuild`, undefined, 200, operator)) as RebuildFigures;
    progress.done(`rebuild: ${rebuild.events.toLocaleString('en')} events in ${rebuild.replayMs} ms = ${rebuild.eventsPerSecond.toLocaleString('en')} events/s`);
  } finally {
    costModel?.close();
    lag?.stop();
    watch.close();
    await nats.close();
    await statsPool.end();
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
    `Goals (issue 12): capacity (closed loop, full mix) ≥ ${GOALS.capacityShareOfNest * 100}% of the same-run bare NestJS figure; at half capacity (open loop) restock → web, email, SMS p99 < ${GOALS.halfCapacityNotifyP99Ms} ms and command → read model p99 < ${GOALS.halfCapacityReadModelP99Ms} ms; at ${GOALS.lowRate}/s restock → web p99 ≤ ${GOALS.lowRateWebP99Ms} ms and read model p99 ≤ ${GOALS.lowRateReadModelP99Ms} ms; rebuild ≥ ${GOALS.rebuildShareOfConsume * 100}% of the same-run durable-consume rate.`,
    `Same-run limits (measured first, about ${limitsSeconds * 4 + 6} s, before the system started): bare NestJS 12 + Fastify + ValidationPipe answering a validated POST with no I/O, 50 connections (autocannon), in its own process: ${Math.round(limits.nestRequestsPerSecond).toLocaleString('en')} req/s; PostgreSQL single-event prepared INSERTs, 25 writers on distinct streams, optimistic concurrency by primary key: ${Math.round(limits.pgAppendsPerSecond).toLocaleString('en')} appends/s; JetStream publish, 256 in flight, Msg-Id: ${Math.round(limits.jetstreamPublishPerSecond).toLocaleString('en')} msg/s; durable pull consumer, explicit acks: ${Math.round(limits.jetstreamConsumePerSecond).toLocaleString('en')} msg/s. The reference file (shared/reference/machine-baselines.md) is a reference only.`,
    `machine: ${process.platform}/${process.arch}, ${cpus().length} cores, Node ${process.version}; every process of the system, PostgreSQL, NATS and the load generator on the same host.`,
  );
  const figures = systemFigures(phases, limits);
  if (rebuild) {
    figures.push({
      name: 'projections rebuild: whole log replayed into fresh read models (POST /admin/rebuild)',
      value: rebuild.eventsPerSecond,
      unit: 'events/s',
      baseline: limits.jetstreamConsumePerSecond,
      goal: Math.round(GOALS.rebuildShareOfConsume * limits.jetstreamConsumePerSecond),
      detail: { events: rebuild.events, 'replay ms': rebuild.replayMs, ...Object.fromEntries(rebuild.projections.map((p) => [p.projection, `${p.events} ev, ${p.eventsPerSecond}/s`])) },
    });
  }
  const summary = summaryOf(phases, limits, rebuild?.eventsPerSecond ?? null, { cpus: cpus().length, loadBefore: loadAtStart[0]! });
  const sections = systemSections(phases, profiles, limits);
  if (costs.length > 0) sections.splice(1, 0, { title: 'Cost model: what one command costs, by part of the mix', lines: costSection(costs) });
  const written = writeReport(resultsDir, 'system', figures, notes, {
    sections,
    ratiosAgainst: 'Ratios are against the raw limits of this machine measured in the same run (see the notes).',
    data: { summary, settings: { rates, seconds, clients, warmupSeconds, skuCount, customers, probeRate, drainSeconds, settleSeconds, costSeconds, limitsSeconds }, sameRunLimits: limits, costs, phases, rebuild, profiles },
  });
  progress.done(`results: ${written.json}\n  summary: ${written.markdown}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
