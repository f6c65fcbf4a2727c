// Figures, tables and the "where the time goes" analysis of the system benchmark, from its phases.
import type { BenchFigure, ReportSection } from './bench-report.js';
import type { PhaseResult } from './load-phase.js';
import type { LatencySummary } from './latency.js';
import type { SameRunLimits } from './limits/same-run-limits.js';
import { cores } from './process-cpu.js';
import { COMMAND_KINDS } from './system-workload.js';

/** Issue 12's goals, as shares of the same-run limits or as latencies at a rate (see the report's notes). */
export const GOALS = {
  capacityShareOfNest: 0.135,
  halfCapacityNotifyP99Ms: 1000,
  halfCapacityReadModelP99Ms: 500,
  lowRate: 100,
  lowRateWebP99Ms: 100,
  lowRateReadModelP99Ms: 50,
  rebuildShareOfConsume: 0.6,
} as const;

/** The stable part of the JSON report that tools read (issue 12). */
export interface SystemSummary {
  readonly capacityCommandsPerSecond: number | null;
  readonly sameRunLimits: SameRunLimits;
  readonly openLoop: readonly {
    readonly rate: number;
    readonly acceptedPerSecond: number;
    readonly httpP99Ms: number;
    readonly readModelP99Ms: number;
    readonly notifyP99Ms: { readonly web: number; readonly email: number; readonly sms: number };
  }[];
  readonly rebuildEventsPerSecond: number | null;
  readonly machine: { readonly cpus: number; readonly loadBefore: number };
}

export function summaryOf(phases: readonly PhaseResult[], limits: SameRunLimits, rebuildEventsPerSecond: number | null, machine: SystemSummary['machine']): SystemSummary {
  const closed = phases.find((p) => p.shape.mode === 'closed');
  return {
    capacityCommandsPerSecond: closed?.acceptedPerSecond ?? null,
    sameRunLimits: {
      nestRequestsPerSecond: Math.round(limits.nestRequestsPerSecond),
      pgAppendsPerSecond: Math.round(limits.pgAppendsPerSecond),
      jetstreamPublishPerSecond: Math.round(limits.jetstreamPublishPerSecond),
      jetstreamConsumePerSecond: Math.round(limits.jetstreamConsumePerSecond),
    },
    openLoop: phases
      .filter((p) => p.shape.mode === 'open')
      .map((p) => ({
        rate: p.shape.mode === 'open' ? p.shape.rate : 0,
        acceptedPerSecond: p.acceptedPerSecond,
        httpP99Ms: p.http.p99,
        readModelP99Ms: p.visible.p99,
        notifyP99Ms: { web: p.notifications.web.p99, email: p.notifications.email.p99, sms: p.notifications.sms.p99 },
      })),
    rebuildEventsPerSecond,
    machine,
  };
}

const lat = (s: LatencySummary): Record<string, number> => ({ samples: s.count, 'p50 ms': s.p50, 'p99 ms': s.p99, 'max ms': s.max });
const pct = (value: number, baseline: number): string => `${((value / baseline) * 100).toFixed(value / baseline < 0.1 ? 1 : 0)}%`;

export function systemFigures(phases: readonly PhaseResult[], limits: SameRunLimits): BenchFigure[] {
  const figures: BenchFigure[] = [];
  const capacity = phases.find((p) => p.shape.mode === 'closed')?.acceptedPerSecond ?? 0;
  for (const p of phases) {
    const closed = p.shape.mode === 'closed';
    const rate = p.shape.mode === 'open' ? p.shape.rate : 0;
    const atHalfCapacity = rate > 0 && capacity > 0 && Math.abs(rate - capacity / 2) <= 1;
    const atLowRate = rate === GOALS.lowRate;
    const refused = Object.entries(p.refused).map(([status, n]) => `${status}×${n}`).join(' ') || 'none';
    figures.push({
      name: `${p.label}: commands accepted`,
      value: p.acceptedPerSecond,
      unit: 'commands/s',
      baseline: limits.nestRequestsPerSecond,
      ...(closed ? { goal: Math.round(GOALS.capacityShareOfNest * limits.nestRequestsPerSecond) } : {}),
      detail: { sent: p.sent, accepted: p.accepted, refused, 'connection errors': p.errors, 'seconds (first send → last answer)': p.seconds.toFixed(1), 'backlog at start': p.backlogAtStart, 'load avg before/after': `${p.loadAverage.before.toFixed(2)}/${p.loadAverage.after.toFixed(2)}` },
    });
    if (closed) {
      figures.push({
        name: `${p.label}: commands visible on the read side within the run (end to end)`,
        value: p.visibleInPhasePerSecond,
        unit: 'commands/s',
        baseline: limits.nestRequestsPerSecond,
        detail: { 'never visible': p.neverVisible },
      });
    }
    figures.push({ name: `${p.label}: HTTP latency p99`, value: p.http.p99, unit: 'ms', detail: lat(p.http) });
    const readModelGoal = atLowRate ? GOALS.lowRateReadModelP99Ms : atHalfCapacity ? GOALS.halfCapacityReadModelP99Ms : undefined;
    figures.push({
      name: `${p.label}: command → read model visible (SSE) p99`,
      value: p.visible.p99,
      unit: 'ms',
      ...(readModelGoal !== undefined ? { goal: readModelGoal, goalIsMax: true } : {}),
      detail: { ...lat(p.visible), 'never visible': p.neverVisible },
    });
    const n = p.notifications;
    const webGoal = atLowRate ? GOALS.lowRateWebP99Ms : atHalfCapacity ? GOALS.halfCapacityNotifyP99Ms : undefined;
    const notifyGoal = atHalfCapacity ? { goal: GOALS.halfCapacityNotifyP99Ms, goalIsMax: true } : {};
    figures.push({ name: `${p.label}: restock → web notification (SSE) p99`, value: n.web.p99, unit: 'ms', ...(webGoal !== undefined ? { goal: webGoal, goalIsMax: true } : {}), detail: { ...lat(n.web), missing: n.missing.web } });
    figures.push({ name: `${p.label}: restock → email (mail sink) p99`, value: n.email.p99, unit: 'ms', ...notifyGoal, detail: { ...lat(n.email), missing: n.missing.email } });
    figures.push({ name: `${p.label}: restock → SMS (SMS sink) p99`, value: n.sms.p99, unit: 'ms', ...notifyGoal, detail: { ...lat(n.sms), missing: n.missing.sms } });
    figures.push({
      name: `${p.label}: events appended (all event stores)`,
      value: p.rates.eventsAppended,
      unit: 'events/s',
      baseline: limits.pgAppendsPerSecond,
      detail: { 'events per accepted command': p.accepted ? (p.rates.eventsAppended / p.acceptedPerSecond).toFixed(2) : '—' },
    });
    figures.push({ name: `${p.label}: relays published to JetStream`, value: p.rates.relayPublished, unit: 'msg/s', baseline: limits.jetstreamPublishPerSecond });
    figures.push({
      name: `${p.label}: consumers handled (services, notifier, projections)`,
      value: p.rates.consumerHandled,
      unit: 'msg/s',
      baseline: limits.jetstreamConsumePerSecond,
      detail: { 'of which applied by the projections': p.rates.projectionApplied },
    });
    figures.push({ name: `${p.label}: max relay lag`, value: p.lag.worst.relayEvents, unit: 'events' });
    figures.push({ name: `${p.label}: max consumer lag`, value: p.lag.worst.consumerMessages, unit: 'messages', detail: { 'max projection lag ms': p.lag.worst.projectionMs } });
  }
  return figures;
}

function rateTable(phases: readonly PhaseResult[], limits: SameRunLimits): string[] {
  const l = (s: LatencySummary): string => `${s.p50} / ${s.p99} / ${s.max}`;
  const nest = limits.nestRequestsPerSecond;
  const pg = limits.pgAppendsPerSecond;
  return [
    `| phase | accepted/s | vs Nest ${Math.round(nest).toLocaleString('en')} (same run) | HTTP p50/p99/max ms | → read model p50/p99/max ms | web p50/p99 ms | email p50/p99 ms | SMS p50/p99 ms | events/s (vs PG ${Math.round(pg).toLocaleString('en')}) | max relay lag | max consumer lag | load avg |`,
    '|---|---:|---:|---|---|---|---|---|---|---:|---:|---|',
    ...phases.map((p) => {
      const n = p.notifications;
      return `| ${p.label} | ${p.acceptedPerSecond.toLocaleString('en')} | ${pct(p.acceptedPerSecond, nest)} | ${l(p.http)} | ${l(p.visible)}${p.neverVisible ? ` (${p.neverVisible} never)` : ''} | ${n.web.p50} / ${n.web.p99} | ${n.email.p50} / ${n.email.p99} | ${n.sms.p50} / ${n.sms.p99} | ${p.rates.eventsAppended.toLocaleString('en')} (${pct(p.rates.eventsAppended, pg)}) | ${p.lag.worst.relayEvents} | ${p.lag.worst.consumerMessages} | ${p.loadAverage.before.toFixed(2)} → ${p.loadAverage.after.toFixed(2)} |`;
    }),
  ];
}

function kindTable(p: PhaseResult): string[] {
  return [
    `${p.label}:`,
    '',
    '| command | accepted | HTTP p50/p99 ms | → read model p50/p99 ms |',
    '|---|---:|---|---|',
    ...COMMAND_KINDS.map((k) => {
      const c = p.byKind[k];
      return `| ${k} | ${c.accepted} | ${c.http.p50} / ${c.http.p99} | ${c.visible.p50} / ${c.visible.p99} |`;
    }),
  ];
}

function cpuTable(phases: readonly PhaseResult[]): string[] {
  const names = [...new Set(phases.flatMap((p) => p.cpu.byProcess.map((b) => b.name)))];
  const share = (p: PhaseResult, name: string): number => p.cpu.byProcess.find((b) => b.name === name)?.percent ?? 0;
  const last = phases[phases.length - 1]!;
  names.sort((a, b) => share(last, b) - share(last, a));
  return [
    `| process | ${phases.map((p) => p.label).join(' | ')} |`,
    `|---|${phases.map(() => '---:').join('|')}|`,
    ...names.map((name) => `| ${name} | ${phases.map((p) => share(p, name).toFixed(1)).join(' | ')} |`),
    `| not attributed (other processes on the shared machine, ended PostgreSQL backends) | ${phases.map((p) => p.cpu.otherPercent.toFixed(1)).join(' | ')} |`,
    `| **machine busy** | ${phases.map((p) => p.cpu.machineBusyPercent.toFixed(1)).join(' | ')} |`,
  ];
}

/** Process names grouped by the part of the system they are. */
function groupOf(name: string): string {
  if (name.startsWith('relay-')) return 'relays';
  if (['orders', 'inventory', 'carts', 'notifications'].includes(name)) return 'write services (HTTP, decide, append, saga consumers)';
  if (name.endsWith('-sink')) return 'mail and SMS sinks';
  return name;
}

function whereTheTimeGoes(phases: readonly PhaseResult[], limits: SameRunLimits): string[] {
  const lines: string[] = [];
  for (const p of phases) {
    const groups = new Map<string, number>();
    for (const b of p.cpu.byProcess) groups.set(groupOf(b.name), (groups.get(groupOf(b.name)) ?? 0) + b.percent);
    const ranked = [...groups].sort((a, b) => b[1] - a[1]);
    const attributed = p.cpu.byProcess.reduce((a, b) => a + b.percent, 0);
    const cpuMsPerCommand = p.acceptedPerSecond > 0 ? ((attributed / 100) * cores * 1000) / p.acceptedPerSecond : 0;
    const top = ranked
      .slice(0, 6)
      .map(([g, v]) => `${g} ${v.toFixed(1)}% (${p.acceptedPerSecond ? Math.round(((v / 100) * cores * 1e6) / p.acceptedPerSecond) : 0} µs/command)`)
      .join(', ');
    lines.push(
      `- **${p.label}**: machine ${p.cpu.machineBusyPercent.toFixed(0)}% busy, ${attributed.toFixed(0)}% of it by this system, PostgreSQL, NATS and the load generator (${cpuMsPerCommand.toFixed(2)} ms of their CPU per accepted command, ${p.accepted ? (p.rates.eventsAppended / p.acceptedPerSecond).toFixed(1) : '—'} events appended per command). Biggest: ${top}. ` +
        `HTTP answer at p50 ${p.http.p50} ms; the read side shows the change ${Math.max(0, p.visible.p50 - p.http.p50).toFixed(2)} ms after the answer at p50 (relay → JetStream → projection batch commit → SSE).`,
    );
  }
  const capacity = phases.find((p) => p.shape.mode === 'closed');
  if (capacity) {
    const busy = capacity.cpu.machineBusyPercent;
    const pg = capacity.cpu.byProcess.find((b) => b.name === 'postgresql')?.percent ?? 0;
    const gen = capacity.cpu.byProcess.find((b) => b.name === 'load generator (bench)')?.percent ?? 0;
    lines.push(
      '',
      `At capacity the machine is ${busy >= 90 ? 'CPU-bound' : `${busy.toFixed(0)}% busy (not CPU-bound: waiting on fsync/locks/latency)`}, ${capacity.cpu.otherPercent.toFixed(0)}% of it by processes outside this run (the machine is shared); ` +
        `the ${capacity.acceptedPerSecond.toLocaleString('en')} commands/s are ${pct(capacity.acceptedPerSecond, limits.nestRequestsPerSecond)} of what NestJS+Fastify+validation alone answers in the same run and ` +
        `the ${capacity.rates.eventsAppended.toLocaleString('en')} events/s ${pct(capacity.rates.eventsAppended, limits.pgAppendsPerSecond)} of PostgreSQL's 25-writer append limit; ` +
        `PostgreSQL takes ${pg.toFixed(0)}% of the machine and the load generator ${gen.toFixed(0)}%, so at most ${(100 - gen).toFixed(0)}% is left for the system itself.`,
    );
  }
  return lines;
}

export function systemSections(phases: readonly PhaseResult[], profiles: readonly { process: string; top: { fn: string; percent: number }[] }[], limits: SameRunLimits): ReportSection[] {
  const sections: ReportSection[] = [
    { title: 'At each rate', lines: rateTable(phases, limits) },
    { title: 'Per command', lines: phases.filter((p, i) => i === phases.length - 1 || i === phases.length - 2).flatMap((p) => [...kindTable(p), '']) },
    { title: `CPU share of each process (% of the whole ${cores}-core machine, load window)`, lines: cpuTable(phases) },
    { title: 'Where the time goes', lines: whereTheTimeGoes(phases, limits) },
  ];
  if (profiles.length > 0) {
    sections.push({
      title: 'CPU profiles (V8 sampler, as --cpu-prof): top self time, % of busy samples',
      lines: profiles.flatMap((p) => [`${p.process}:`, '', ...p.top.map((t) => `- ${t.percent}% ${t.fn}`), '']),
    });
  }
  return sections;
}
