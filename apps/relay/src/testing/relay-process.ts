// The relay as a real process for its tests: spawned from its build, stopped with a signal; and the
// log it relays, written by the test through the port.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { contextStreamName, EnvelopeHeaders } from '@stockflow/contracts';
import type { EventStore, EventToAppend } from '@stockflow/event-sourcing';
import { connectNats, type NatsConnection } from '@stockflow/messaging';
import { deleteNamespaceStreams, uniqueNamespace } from '@stockflow/messaging/testing';
import { openEventStore } from '@stockflow/platform';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Pool } from 'pg';

const relayEntry = resolve(process.cwd(), 'dist/main.js');

export interface RelayProcesses {
  /** Starts `dist/main.js` for the `inventory` context with the given schema, namespace, port and extra env. */
  start(port: number, env?: Record<string, string>): ChildProcess;
  /** Throws when a relay exited by itself (not killed by the test). */
  assertNoneExitedEarly(): void;
  /** SIGKILLs every relay still running. */
  killAll(): void;
}

export function relayProcesses(schema: string, namespace: string, logLevel = 'warn'): RelayProcesses {
  const children: ChildProcess[] = [];
  let exitedEarly: string | null = null;
  return {
    start(port, env = {}) {
      const child = spawn(process.execPath, [relayEntry], {
        env: { ...process.env, STOCKFLOW_ENV: 'development', RELAY_CONTEXT: 'inventory', DB_SCHEMA: schema, NATS_NAMESPACE: namespace, PORT: String(port), LOG_LEVEL: logLevel, ...env },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      child.once('exit', (code, signal) => {
        if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && code !== 0) exitedEarly = `relay exited with ${signal ?? code}`;
      });
      return child;
    },
    assertNoneExitedEarly() {
      if (exitedEarly) throw new Error(exitedEarly);
    },
    killAll() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill(signal);
  });
}

/** What a relay spec writes and reads: a schema of its own holding an `inventory` log, its namespace's stream. */
export interface RelayTestLog {
  readonly schema: string;
  readonly namespace: string;
  readonly streamName: string;
  readonly pool: Pool;
  readonly store: EventStore;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  /** The spec's relay processes, on this schema and namespace. */
  readonly relays: RelayProcesses;
  /** Kills the spec's relays, deletes the namespace's streams, drops the schema, closes the connections. */
  close(): Promise<void>;
}

/** Opens a relay spec's log. */
export async function openRelayTestLog(options: { schemaPrefix: string; name: string; poolMax: number; logLevel?: string }): Promise<RelayTestLog> {
  const schema = uniqueSchemaName(options.schemaPrefix);
  const namespace = uniqueNamespace();
  const relays = relayProcesses(schema, namespace, options.logLevel);
  const pool = createPool({ max: options.poolMax });
  const store = await openEventStore({ pool, schema });
  const nc = await connectNats({ name: options.name });
  return {
    schema,
    namespace,
    streamName: contextStreamName('inventory', { namespace }),
    relays,
    pool,
    store,
    nc,
    jsm: await jetstreamManager(nc),
    async close() {
      relays.killAll();
      await deleteNamespaceStreams(nc, namespace);
      await nc.close();
      await dropSchema(pool, schema);
      await pool.end();
    },
  };
}

/**
 * What the relay put on the stream against what the log holds: every event's id and log position,
 * in stream order and in log order, and how many messages the stream holds.
 */
export async function streamAgainstLog(log: Pick<RelayTestLog, 'store' | 'jsm' | 'streamName'>): Promise<{
  readonly written: { eventId: string; logPosition: string }[];
  readonly messages: number;
  readonly published: string[];
  readonly positions: string[];
}> {
  const written: { eventId: string; logPosition: string }[] = [];
  for (let after: string | null = null; ; ) {
    const batch = await log.store.readAll({ after, maxCount: 1000 });
    written.push(...batch);
    if (batch.length < 1000) break;
    after = batch[batch.length - 1]!.logPosition;
  }
  const info = await log.jsm.streams.info(log.streamName);
  const published: string[] = [];
  const positions: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await log.jsm.streams.getMessage(log.streamName, { seq });
    published.push(m!.header.get('Nats-Msg-Id'));
    positions.push(m!.header.get(EnvelopeHeaders.logPosition));
  }
  return { written, messages: info.state.messages, published, positions };
}

/** A `StockReceived` for the relayed `inventory` log. */
export function stockReceived(sku: string, quantity = 1): EventToAppend {
  return { eventId: randomUUID(), type: 'StockReceived', schemaVersion: 1, data: { sku, quantity }, correlationId: 'relay-spec', causationId: null, traceparent: null };
}
