// Figures, tables and the "where the time goes" analysis of the system benchmark, from its phases.
import type { BenchFigure, ReportSection } from './bench-report.js';
import type { PhaseResult } from './load-phase.js';
import type { LatencySummary } from './latency.js';
import { MACHINE_BASELINES } from './machine-baselines.js';
import { cores } from './process-cpu.js';
import { COMMAND_KINDS } from './system-workload.js';

export const GOALS = { commandsPerSecond: 5_000, visibleP99Ms: 50, visibleGoalRate: 1_000, webP99Ms: 100, rebuildEventsPerSecond: 50_000 } as const;

const lat = (s: LatencySummary): Record<string, number> => ({ samples: s.count, 'p50 ms': s.p50, 'p99 ms': s.p99, 'max ms': s.max });
const pct = (value: number, baseline: number): string => `${((value / baseline) * 100).toFixed(0)}%`;

export function systemFigures(phases: readonly PhaseResult[]): BenchFigure[] {
  const figures: BenchFigure[] = [];
  for (const p of phases) {
    const closed = p.shape.mode === 'closed';
    const refused = Object.entries(p.refused).map(([status, n]) => `${status}×${n}`).join(' ') || 'none';
    figures.push({
      name: `${p.label}: commands accepted`,
      value: p.acceptedPerSecond,
      unit: 'commands/s',
      baseline: MACHINE_BASELINES.nestFastifyValidationReqPerS,
      detail: { sent: p.sent, accepted: p.accepted, refused, 'connection errors': p.errors, 'seconds (first send → last answer)': p.seconds.toFixed(1), 'backlog at start': p.backlogAtStart, 'load avg before/after': `${p.loadAverage.before.toFixed(2)}/${p.loadAverage.after.toFixed(2)}` },
    });
    if (closed) {
      figures.push({
        name: `${p.label}: commands visible on the read side within the run (end to end)`,
        value: p.visibleInPhasePerSecond,
        unit: 'commands/s',
        baseline: MACHINE_BASELINES.nestFastifyValidationReqPerS,
        goal: GOALS.commandsPerSecond,
        detail: { 'never visible': p.neverVisible },
      });
    }
    figures.push({ name: `${p.label}: HTTP latency p99`, value: p.http.p99, unit: 'ms', detail: lat(p.http) });
    const visibleGoal = p.shape.mode === 'open' && p.shape.rate === GOALS.visibleGoalRate;
    figures.push({
      name: `${p.label}: command → read model visible (SSE) p99`,
      value: p.visible.p99,
      unit: 'ms',
      ...(visibleGoal ? { goal: GOALS.visibleP99Ms, goalIsMax: true } : {}),
      detail: { ...lat(p.visible), 'never visible': p.neverVisible },
    });
    const n = p.notifications;
    figures.push({ name: `${p.label}: restock → web notification (SSE) p99`, value: n.web.p99, unit: 'ms', goal: GOALS.webP99Ms, goalIsMax: true, detail: { ...lat(n.web), missing: n.missing.web } });
    figures.push({ name: `${p.label}: restock → email (mail sink) p99`, value: n.email.p99, unit: 'ms', detail: { ...lat(n.email), missing: n.missing.email } });
    figures.push({ name: `${p.label}: restock → SMS (SMS sink) p99`, value: n.sms.p99, unit: 'ms', detail: { ...lat(n.sms), missing: n.missing.sms } });
    figures.push({
      name: `${p.label}: events appended (all event stores)`,
      value: p.rates.eventsAppended,
      unit: 'events/s',
      baseline: MACHINE_BASELINES.pgAppend25WritersPrepared,
      detail: { 'events per accepted command': p.accepted ? (p.rates.eventsAppended / p.acceptedPerSecond).toFixed(2) : '—' },
    });
    figures.push({ name: `${p.label}: relays published to JetStream`, value: p.rates.relayPublished, unit: 'msg/s', baseline: MACHINE_BASELINES.jetStreamPipelinedPublish });
    figures.push({
      name: `${p.label}: consumers handled (services, notifier, projections)`,
      value: p.rates.consumerHandled,
      unit: 'msg/s',
      baseline: MACHINE_BASELINES.jetStreamDurableConsume,
      detail: { 'of which applied by the projections': p.rates.projectionApplied },
    });
    figures.push({ name: `${p.label}: max relay lag`, value: p.lag.worst.relayEvents, unit: 'events' });
    figures.push({ name: `${p.label}: max consumer lag`, value: p.lag.worst.consumerMessages, unit: 'messages', detail: { 'max projection lag ms': p.lag.worst.projectionMs } });
  }
  return figures;
}

function rateTable(phases: readonly PhaseResult[]): string[] {
  const l = (s: LatencySummary): string => `${s.p50} / ${s.p99} / ${s.max}`;
  return [
    '| phase | accepted/s | vs Nest 16,949 | HTTP p50/p99/max ms | → read model p50/p99/max ms | web p50/p99 ms | email p50/p99 ms | SMS p50/p99 ms | events/s (vs PG 14,561) | max relay lag | max consumer lag | load avg |',
    '|---|---:|---:|---|---|---|---|---|---|---:|---:|---|',
    ...phases.map((p) => {
      const n = p.notifications;
      return `| ${p.label} | ${p.acceptedPerSecond.toLocaleString('en')} | ${pct(p.acceptedPerSecond, MACHINE_BASELINES.nestFastifyValidationReqPerS)} | ${l(p.http)} | ${l(p.visible)}${p.neverVisible ? ` (${p.neverVisible} never)` : ''} | ${n.web.p50} / ${n.web.p99} | ${n.email.p50} / ${n.email.p99} | ${n.sms.p50} / ${n.sms.p99} | ${p.rates.eventsAppended.toLocaleString('en')} (${pct(p.rates.eventsAppended, MACHINE_BASELINES.pgAppend25WritersPrepared)}) | ${p.lag.worst.relayEvents} | ${p.lag.worst.consumerMessages} | ${p.loadAverage.before.toFixed(2)} → ${p.loadAverage.after.toFixed(2)} |`;
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

function whereTheTimeGoes(phases: readonly PhaseResult[]): string[] {
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
        `the ${capacity.acceptedPerSecond.toLocaleString('en')} commands/s are ${pct(capacity.acceptedPerSecond, MACHINE_BASELINES.nestFastifyValidationReqPerS)} of what NestJS+Fastify+validation alone answers and ` +
        `the ${capacity.rates.eventsAppended.toLocaleString('en')} events/s ${pct(capacity.rates.eventsAppended, MACHINE_BASELINES.pgAppend25WritersPrepared)} of PostgreSQL's 25-writer append limit; ` +
        `PostgreSQL takes ${pg.toFixed(0)}% of the machine and the load generator ${gen.toFixed(0)}%, so at most ${(100 - gen).toFixed(0)}% is left for the system itself.`,
    );
  }
  return lines;
}

export function systemSections(phases: readonly PhaseResult[], profiles: readonly { process: string; top: { fn: string; percent: number }[] }[]): ReportSection[] {
  const sections: ReportSection[] = [
    { title: 'At each rate', lines: rateTable(phases) },
    { title: 'Per command', lines: phases.filter((p, i) => i === phases.length - 1 || i === phases.length - 2).flatMap((p) => [...kindTable(p), '']) },
    { title: `CPU share of each process (% of the whole ${cores}-core machine, load window)`, lines: cpuTable(phases) },
    { title: 'Where the time goes', lines: whereTheTimeGoes(phases) },
  ];
  if (profiles.length > 0) {
    sections.push({
      title: 'CPU profiles (V8 sampler, as --cpu-prof): top self time, % of busy samples',
      lines: profiles.flatMap((p) => [`${p.process}:`, '', ...p.top.map((t) => `- ${t.percent}% ${t.fn}`), '']),
    });
  }
  return sections;
}
