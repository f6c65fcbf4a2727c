// The cost of one command of each part of the mix (issue 12), end to end: every event it appends,
// every PostgreSQL round trip and transaction, every NATS message and every CPU microsecond of every
// process, including the downstream work it causes (the saga, reservations, projections, the
// notifier). Each part runs alone in a short closed loop; the window closes once relays, consumers and
// projections have nothing pending, so the work a command causes is inside it.
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@stockflow/messaging';
import type { Pool } from 'pg';
import type { BenchCallers } from './bench-callers.js';
import { send } from './http-client.js';
import type { LagSampler } from './lag-sampler.js';
import { CpuSampler, type CpuSnapshot } from './process-cpu.js';
import { ProgressLine } from './progress.js';
import { sumOf } from './prometheus-text.js';
import type { MixPart, SystemWorkload } from './system-workload.js';

export interface CommandCost {
  readonly part: MixPart;
  readonly accepted: number;
  readonly seconds: number;
  /** Per accepted command. */
  readonly perCommand: {
    readonly eventsAppended: number;
    readonly pgRoundTrips: number;
    /** Committed and rolled-back transactions of the whole database (pg_stat_database; the server should be quiet). */
    readonly pgTransactions: number;
    /** Messages stored on the run's JetStream streams (relays, dead letters). */
    readonly jetstreamPublished: number;
    /** Deliveries to the run's durable consumers (redeliveries included) and their acks (ack floor). */
    readonly jetstreamDelivered: number;
    readonly jetstreamAcked: number;
    /** Core NATS append nudges (writer → relay). */
    readonly nudges: number;
    /** Every message the processes' NATS clients sent and received (publishes, acks, pull requests, deliveries, nudges). */
    readonly natsClientMessages: number;
    readonly cpuMicros: number;
  };
  readonly cpuMicrosByProcess: Record<string, number>;
  readonly pgRoundTripsByProcess: Record<string, number>;
}

interface Snapshot {
  readonly at: number;
  readonly byProcess: Map<string, { roundTrips: number; natsMessages: number; events: number }>;
  readonly streamMessages: number;
  readonly delivered: number;
  readonly acked: number;
  readonly transactions: number;
  readonly nudges: number;
  readonly cpu: CpuSnapshot;
}

export interface CostTools {
  readonly workload: SystemWorkload;
  readonly lag: LagSampler;
  readonly cpu: CpuSampler;
  readonly callers: BenchCallers;
  readonly nats: NatsConnection;
  /** The run's NATS namespace (its streams are `<NAMESPACE>_*`, its nudges `<namespace>._appended.*`). */
  readonly namespace: string;
  readonly pool: Pool;
}

export class CostModel {
  private nudges = 0;
  private readonly subscription;

  constructor(private readonly tools: CostTools) {
    this.subscription = tools.nats.subscribe(`${tools.namespace}._appended.>`, { callback: () => void this.nudges++ });
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  /** Runs `part` alone for `seconds` with `clients` closed-loop clients and returns its cost per accepted command. */
  async measure(part: MixPart, seconds: number, clients: number, settleMs: number): Promise<CommandCost> {
    const { workload, lag, callers } = this.tools;
    const progress = new ProgressLine(`cost of ${part}`);
    progress.update('waiting for relays and consumers to catch up', true);
    await lag.settle(settleMs);
    const before = await this.snapshot();
    let accepted = 0;
    let exhausted = false;
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < end && !exhausted) {
          const command = workload.next(part);
          if (!command) {
            exhausted = true;
            break;
          }
          const answer = await send(command.method, command.url, command.body, await callers.headers(command.caller)).catch(() => null);
          if (answer && answer.status >= 200 && answer.status < 300) {
            accepted++;
            command.accepted(answer.body);
          }
        }
      }),
    );
    progress.update(`${accepted} accepted; waiting for the work they caused`, true);
    await lag.settle(settleMs);
    // PostgreSQL publishes its transaction counts about once a second.
    await new Promise((r) => setTimeout(r, 1100));
    const after = await this.snapshot();
    const cost = this.cost(part, accepted, before, after);
    progress.done(
      `${accepted} commands: ${cost.perCommand.eventsAppended} events, ${cost.perCommand.pgRoundTrips} PostgreSQL round trips, ${cost.perCommand.pgTransactions} transactions, ${cost.perCommand.natsClientMessages} NATS messages, ${Math.round(cost.perCommand.cpuMicros)} µs CPU per command`,
    );
    return cost;
  }

  private cost(part: MixPart, accepted: number, before: Snapshot, after: Snapshot): CommandCost {
    const per = (n: number): number => (accepted > 0 ? Math.round((n / accepted) * 100) / 100 : 0);
    const sum = (s: Snapshot, k: 'roundTrips' | 'natsMessages' | 'events'): number => [...s.byProcess.values()].reduce((a, p) => a + p[k], 0);
    const cpu = CpuSampler.micros(before.cpu, after.cpu);
    const cpuMicrosByProcess = Object.fromEntries([...cpu].map(([name, micros]) => [name, Math.round(per(micros))]).sort((a, b) => Number(b[1]) - Number(a[1])));
    const pgRoundTripsByProcess = Object.fromEntries(
      [...after.byProcess].map(([name, p]) => [name, per(p.roundTrips - (before.byProcess.get(name)?.roundTrips ?? 0))]).filter(([, n]) => Number(n) > 0),
    );
    return {
      part,
      accepted,
      seconds: (after.at - before.at) / 1000,
      perCommand: {
        eventsAppended: per(sum(after, 'events') - sum(before, 'events')),
        pgRoundTrips: per(sum(after, 'roundTrips') - sum(before, 'roundTrips')),
        pgTransactions: per(after.transactions - before.transactions),
        jetstreamPublished: per(after.streamMessages - before.streamMessages),
        jetstreamDelivered: per(after.delivered - before.delivered),
        jetstreamAcked: per(after.acked - before.acked),
        nudges: per(after.nudges - before.nudges),
        natsClientMessages: per(sum(after, 'natsMessages') - sum(before, 'natsMessages')),
        // The load generator's own CPU is not the system's cost.
        cpuMicros: per([...cpu].filter(([name]) => name !== 'load generator (bench)').reduce((a, [, micros]) => a + micros, 0)),
      },
      cpuMicrosByProcess,
      pgRoundTripsByProcess,
    };
  }

  private async snapshot(): Promise<Snapshot> {
    const { lag, nats, namespace, pool, cpu } = this.tools;
    const byProcess = new Map<string, { roundTrips: number; natsMessages: number; events: number }>();
    for (const [name, samples] of await lag.scrape()) {
      byProcess.set(name, { roundTrips: sumOf(samples, 'pg_round_trips_total'), natsMessages: sumOf(samples, 'nats_client_messages_total'), events: sumOf(samples, 'events_appended_total') });
    }
    const jsm = await jetstreamManager(nats);
    let streamMessages = 0;
    let delivered = 0;
    let acked = 0;
    for await (const stream of jsm.streams.list()) {
      if (!stream.config.name.startsWith(`${namespace.toUpperCase()}_`)) continue;
      streamMessages += stream.state.messages;
      for await (const consumer of jsm.consumers.list(stream.config.name)) {
        delivered += consumer.delivered.consumer_seq;
        acked += consumer.ack_floor.consumer_seq;
      }
    }
    const { rows } = await pool.query<{ n: string }>('SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()');
    return { at: Date.now(), byProcess, streamMessages, delivered, acked, transactions: Number(rows[0]?.n ?? 0), nudges: this.nudges, cpu: cpu.snapshot() };
  }
}

/** The cost table of the report: one row per part of the mix, and the processes that spend the most CPU on each. */
export function costSection(costs: readonly CommandCost[]): string[] {
  if (costs.length === 0) return [];
  const lines = [
    'Per accepted command, everything it caused across the system (window closes when nothing is pending). PostgreSQL transactions are the whole database\'s (pg_stat_database); NATS client messages are every message the processes\' NATS connections sent and received.',
    '',
    '| part of the mix | commands | events | PG round trips | PG transactions | JetStream published | delivered | acked | nudges | NATS client messages | CPU µs (all processes) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...costs.map((c) => {
      const p = c.perCommand;
      return `| ${c.part} | ${c.accepted} | ${p.eventsAppended} | ${p.pgRoundTrips} | ${p.pgTransactions} | ${p.jetstreamPublished} | ${p.jetstreamDelivered} | ${p.jetstreamAcked} | ${p.nudges} | ${p.natsClientMessages} | ${Math.round(p.cpuMicros).toLocaleString('en')} |`;
    }),
    '',
    'CPU µs per command by process (largest first) and PostgreSQL round trips per command by process:',
    '',
  ];
  for (const c of costs) {
    const cpu = Object.entries(c.cpuMicrosByProcess)
      .filter(([name, micros]) => micros > 0 && name !== 'load generator (bench)')
      .slice(0, 8)
      .map(([name, micros]) => `${name} ${micros.toLocaleString('en')}`)
      .join(', ');
    const trips = Object.entries(c.pgRoundTripsByProcess)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
    lines.push(`- **${c.part}**: CPU ${cpu}; round trips ${trips || 'none'}`);
  }
  return lines;
}
