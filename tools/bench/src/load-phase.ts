// One measured phase of the system benchmark: the command mix either open loop (commands scheduled
// at a fixed rate regardless of answers; latencies from the scheduled time, so a stalled system is
// not hidden by a stalled generator) or closed loop (N clients, each sending its next command when
// the last one was answered: capacity). Around it: CPU shares, lag maxima, counters, notification
// probes, and the wait for every accepted command to show on the read side.
import { loadavg } from 'node:os';
import { send, sleep } from './http-client.js';
import { type LagSampler, type ThroughputCounters } from './lag-sampler.js';
import { Latency, type LatencySummary } from './latency.js';
import type { NotificationProbes } from './notification-probes.js';
import type { BenchCallers } from './bench-callers.js';
import { CpuSampler, type CpuShares } from './process-cpu.js';
import { ProgressLine } from './progress.js';
import type { ReadModelWatch } from './read-model-watch.js';
import { COMMAND_KINDS, type Command, type CommandKind, type SystemWorkload } from './system-workload.js';

export type PhaseShape = { readonly mode: 'open'; readonly rate: number } | { readonly mode: 'closed'; readonly clients: number };

export interface PhaseTools {
  readonly workload: SystemWorkload;
  readonly watch: ReadModelWatch;
  readonly lag: LagSampler;
  readonly cpu: CpuSampler;
  readonly probes: NotificationProbes;
  /** The tokens commands carry (customers' minted before the phase). */
  readonly callers: BenchCallers;
}

export interface PhaseSettings {
  readonly seconds: number;
  /** Notification probes restocked per second during the phase (0: none). */
  readonly probeRate: number;
  /** How long to wait after the load for commands still to show on the read side. */
  readonly drainSeconds: number;
  /** How long to wait before the load for relays and consumers to have nothing pending. */
  readonly settleSeconds: number;
}

export interface PhaseResult {
  readonly label: string;
  readonly shape: PhaseShape;
  /** From the first command to the last answer (longer than the schedule when the system fell behind). */
  readonly seconds: number;
  readonly sent: number;
  readonly accepted: number;
  readonly acceptedPerSecond: number;
  /** Non-2xx answers by status, and connection errors. */
  readonly refused: Record<string, number>;
  readonly errors: number;
  readonly http: LatencySummary;
  readonly visible: LatencySummary;
  readonly byKind: Record<CommandKind, { accepted: number; http: LatencySummary; visible: LatencySummary }>;
  /** Accepted commands whose read-model change arrived before the load ended, per second. */
  readonly visibleInPhasePerSecond: number;
  /** Accepted commands whose change never arrived (within the drain time). */
  readonly neverVisible: number;
  /** Open loop: the latest the generator sent a command after its scheduled time, ms. */
  readonly generatorLateMaxMs: number;
  readonly notifications: { web: LatencySummary; email: LatencySummary; sms: LatencySummary; restocked: number; missing: Record<string, number> };
  readonly lag: { worst: ReturnType<LagSampler['worst']>; series: { series: string; max: number }[] };
  readonly rates: { eventsAppended: number; relayPublished: number; consumerHandled: number; projectionApplied: number };
  readonly cpu: CpuShares;
  readonly loadAverage: { before: number; after: number };
  /** Relay + consumer backlog still pending when the phase started (0 unless settling timed out). */
  readonly backlogAtStart: number;
}

function perSecond(before: ThroughputCounters, after: ThroughputCounters): PhaseResult['rates'] {
  const s = (after.at - before.at) / 1000;
  const r = (k: keyof Omit<ThroughputCounters, 'at'>): number => Math.round((after[k] - before[k]) / s);
  return { eventsAppended: r('eventsAppended'), relayPublished: r('relayPublished'), consumerHandled: r('consumerHandled'), projectionApplied: r('projectionApplied') };
}

const summarise = (samples: readonly number[]): LatencySummary => {
  const latency = new Latency();
  for (const s of samples) latency.record(s);
  return latency.summary();
};

export async function runPhase(label: string, shape: PhaseShape, settings: PhaseSettings, tools: PhaseTools): Promise<PhaseResult> {
  const { workload, watch, lag, cpu, probes, callers } = tools;
  const progress = new ProgressLine(label);
  const probeCount = Math.round(settings.probeRate * settings.seconds);
  if (probeCount > 0) {
    progress.done(`preparing ${probeCount} notification probes`);
    await probes.prepare(probeCount);
  }
  const http = new Latency();
  const visible = new Latency();
  const kinds = Object.fromEntries(COMMAND_KINDS.map((k) => [k, { accepted: 0, http: new Latency(), visible: new Latency() }])) as Record<
    CommandKind,
    { accepted: number; http: Latency; visible: Latency }
  >;
  const refused: Record<string, number> = {};
  let sent = 0;
  let accepted = 0;
  let errors = 0;
  let visibleInPhase = 0;
  let lateMax = 0;
  const inFlight = new Set<Promise<void>>();

  // Start from a quiet system: what earlier phases left in relays and consumers is worked off first.
  progress.update('waiting for relays and consumers to catch up', true);
  const leftOver = await lag.settle(settings.settleSeconds * 1000);
  watch.clear();
  lag.reset();
  const loadBefore = loadavg()[0]!;
  const countersBefore = await lag.counters();
  const cpuBefore = cpu.snapshot();
  const start = Date.now();
  const end = start + settings.seconds * 1000;

  /** Sends one command; latencies count from `scheduledAt`. */
  const issue = async (command: Command, scheduledAt: number): Promise<void> => {
    sent++;
    try {
      const answer = await send(command.method, command.url, command.body, await callers.headers(command.caller));
      const answeredAt = Date.now();
      if (answer.status < 200 || answer.status >= 300) {
        refused[answer.status] = (refused[answer.status] ?? 0) + 1;
        return;
      }
      accepted++;
      const kind = kinds[command.kind];
      kind.accepted++;
      http.record(answeredAt - scheduledAt);
      kind.http.record(answeredAt - scheduledAt);
      const v = command.accepted(answer.body);
      watch.expect(v.view, v.key, v.accepts, (at) => {
        visible.record(at - scheduledAt);
        kind.visible.record(at - scheduledAt);
        if (at <= end) visibleInPhase++;
      });
    } catch {
      errors++;
    }
  };

  const probeTimer = settings.probeRate > 0 ? setInterval(() => probes.restockNext(), 1000 / settings.probeRate) : null;
  const report = setInterval(() => {
    const elapsed = (Date.now() - start) / 1000;
    progress.update(
      `${elapsed.toFixed(0)}/${settings.seconds} s, ${Math.round(accepted / elapsed)} accepted/s, in flight ${inFlight.size}, awaiting read side ${watch.pendingCount}, refused ${Object.values(refused).reduce((a, b) => a + b, 0)}, errors ${errors}`,
      true,
    );
  }, 1000);

  if (shape.mode === 'open') {
    const interval = 1000 / shape.rate;
    for (let i = 0; ; i++) {
      const due = start + i * interval;
      if (due >= end) break;
      const wait = due - Date.now();
      if (wait >= 1) await sleep(wait);
      else if (i % 32 === 0) await new Promise<void>((r) => setImmediate(r)); // behind schedule: still let answers in
      lateMax = Math.max(lateMax, Date.now() - due);
      const p = issue(workload.next()!, due);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  } else {
    await Promise.all(
      Array.from({ length: shape.clients }, async () => {
        while (Date.now() < end) await issue(workload.next()!, Date.now());
      }),
    );
  }
  // The measurement window ends when the last command is answered: above capacity, an open loop's
  // answers come in well after its schedule ended, and commands/s, CPU and events/s count them.
  await Promise.all(inFlight);
  const loadEnd = Date.now();
  const cpuAfter = cpu.snapshot();
  const countersAfter = await lag.counters();
  const loadAfter = loadavg()[0]!;
  clearInterval(report);
  if (probeTimer) clearInterval(probeTimer);

  const drainUntil = Date.now() + settings.drainSeconds * 1000;
  while (watch.pendingCount > 0 && Date.now() < drainUntil) {
    progress.update(`draining: ${watch.pendingCount} commands not yet visible on the read side`);
    await sleep(200);
  }
  const neverVisible = watch.clear();
  const notified = await probes.collect(15_000);
  const seconds = (loadEnd - start) / 1000;
  const result: PhaseResult = {
    label,
    shape,
    seconds,
    sent,
    accepted,
    acceptedPerSecond: Math.round(accepted / seconds),
    refused,
    errors,
    http: http.summary(),
    visible: visible.summary(),
    byKind: Object.fromEntries(COMMAND_KINDS.map((k) => [k, { accepted: kinds[k].accepted, http: kinds[k].http.summary(), visible: kinds[k].visible.summary() }])) as PhaseResult['byKind'],
    visibleInPhasePerSecond: Math.round(visibleInPhase / seconds),
    neverVisible,
    generatorLateMaxMs: Math.round(lateMax),
    notifications: { web: summarise(notified.web), email: summarise(notified.email), sms: summarise(notified.sms), restocked: notified.restocked, missing: notified.missing },
    lag: { worst: lag.worst(), series: lag.maximaSinceReset() },
    rates: perSecond(countersBefore, countersAfter),
    cpu: CpuSampler.shares(cpuBefore, cpuAfter),
    loadAverage: { before: loadBefore, after: loadAfter },
    backlogAtStart: leftOver,
  };
  progress.done(
    `${result.acceptedPerSecond} accepted/s; HTTP p50 ${result.http.p50} p99 ${result.http.p99} ms; visible p50 ${result.visible.p50} p99 ${result.visible.p99} ms (never ${neverVisible}); web p99 ${result.notifications.web.p99} ms`,
  );
  return result;
}
