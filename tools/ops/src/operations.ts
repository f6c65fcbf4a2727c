import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { SubjectScheme } from '@stockflow/contracts';
import {
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  summarizeDeadLetters,
  type DeadLetter,
  type DeadLetterSummary,
  type ReplayResult,
} from '@stockflow/messaging';

/** One stream as `stockflow streams` shows it. */
export interface StreamRow {
  readonly stream: string;
  readonly subjects: string;
  readonly messages: number;
  readonly bytes: number;
  readonly consumers: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

/** One consumer as `stockflow consumers` shows it: its lag is `pending` (not yet delivered) plus `ackPending`. */
export interface ConsumerRow {
  readonly stream: string;
  readonly consumer: string;
  readonly filter: string;
  readonly pending: number;
  readonly ackPending: number;
  readonly redelivered: number;
  readonly lastActive: string;
}

/** Stockflow's streams (the contexts', dead letters, replay) of this deployment, or of one namespace (`<NS>_…`). */
export async function listStreams(jsm: JetStreamManager, scheme: SubjectScheme): Promise<StreamRow[]> {
  const prefix = scheme.namespace ? `${scheme.namespace.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_` : '';
  const rows: StreamRow[] = [];
  for await (const info of jsm.streams.list()) {
    const name = info.config.name;
    if (!name.startsWith(prefix) || !isStockflowStream(name.slice(prefix.length))) continue;
    rows.push({
      stream: info.config.name,
      subjects: (info.config.subjects ?? []).join(' '),
      messages: info.state.messages,
      bytes: info.state.bytes,
      consumers: info.state.consumer_count,
      firstSeq: info.state.first_seq,
      lastSeq: info.state.last_seq,
    });
  }
  return rows.sort((a, b) => a.stream.localeCompare(b.stream));
}

function isStockflowStream(name: string): boolean {
  return /^[A-Z0-9]+_EVENTS$|^DEAD_LETTERS$|^REPLAY$/.test(name);
}

/** The consumers of the given streams (default: every stream `listStreams` shows), most behind first. */
export async function listConsumers(jsm: JetStreamManager, scheme: SubjectScheme, streams?: readonly string[]): Promise<ConsumerRow[]> {
  const names = streams ?? (await listStreams(jsm, scheme)).map((s) => s.stream);
  const rows: ConsumerRow[] = [];
  for (const stream of names) {
    for await (const info of jsm.consumers.list(stream)) {
      rows.push({
        stream,
        consumer: info.name,
        filter: info.config.filter_subject ?? '',
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
        lastActive: info.delivered.last_active ? new Date(info.delivered.last_active).toISOString() : '',
      });
    }
  }
  return rows.sort((a, b) => b.pending + b.ackPending - (a.pending + a.ackPending) || a.consumer.localeCompare(b.consumer));
}

export interface Operations {
  streams(): Promise<StreamRow[]>;
  consumers(stream?: string): Promise<ConsumerRow[]>;
  deadLetterSummary(): Promise<DeadLetterSummary[]>;
  deadLetters(consumer: string, limit?: number): Promise<DeadLetter[]>;
  replay(consumer: string, seq?: number, onProgress?: (done: number) => void): Promise<ReplayResult>;
  purge(consumer: string): Promise<number>;
}

/** What the CLI does with NATS, over one connection (ADR 0036). */
export async function natsOperations(nc: NatsConnection, scheme: SubjectScheme): Promise<Operations> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  return {
    streams: () => listStreams(jsm, scheme),
    consumers: (stream) => listConsumers(jsm, scheme, stream ? [stream] : undefined),
    deadLetterSummary: () => summarizeDeadLetters(jsm, scheme),
    deadLetters: (consumer, limit) => listDeadLetters(jsm, consumer, scheme, limit),
    replay: (consumer, seq, onProgress) => replayDeadLetters(js, jsm, consumer, { scheme, seq, onProgress }),
    purge: (consumer) => purgeDeadLetters(jsm, consumer, scheme),
  };
}
