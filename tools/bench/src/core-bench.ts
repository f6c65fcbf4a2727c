// `npm run bench:core`: PostgreSQL append (1 and 25 writers), relay log→JetStream, and consumer
// throughput (bare and with the idempotent inbox), on the running PostgreSQL and NATS. Results go
// to bench/results/core-<date>.{json,md}. Each run uses its own schema and stream namespace and
// removes them afterwards.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { contextStreamName, stockflowCatalog } from '@stockflow/contracts';
import type { EventStore, EventToAppend } from '@stockflow/event-sourcing';
import { DurableEventConsumer, EventRelay, connectNats, type NatsConnection } from '@stockflow/messaging';
import {
  IdempotentInbox,
  PostgresCheckpointStore,
  checkpointStoreMigrations,
  createPool,
  dropSchema,
  migrate,
  uniqueSchemaName,
} from '@stockflow/postgres';
import { openEventStore } from '@stockflow/platform';
import hdr from 'hdr-histogram-js';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { writeReport, type BenchFigure } from './bench-report.js';
import { MACHINE_BASELINES } from './machine-baselines.js';
import { ProgressLine } from './progress.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const relayEvents = Number(process.env.BENCH_RELAY_EVENTS ?? 100_000);
const resultsDir = resolve(process.env.BENCH_RESULTS_DIR ?? 'bench/results');

function event(sku: string): EventToAppend {
  return { eventId: randomUUID(), type: 'StockReceived', schemaVersion: 1, data: { sku, quantity: 1 }, correlationId: 'bench', causationId: null, traceparent: null };
}

async function appendBench(store: EventStore, writers: number, label: string): Promise<BenchFigure> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
  const progress = new ProgressLine(label);
  const until = Date.now() + seconds * 1000;
  let appended = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const stream = `sku-bench${label.length}w${w}-${randomBytes(3).toString('hex')}`;
      for (let version = 0; Date.now() < until; version++) {
        const t0 = process.hrtime.bigint();
        await store.appendToStream(stream, [event(stream)], { expectedVersion: version === 0 ? 'no_stream' : version });
        histogram.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
        appended++;
        progress.update(`${appended.toLocaleString('en')} events`);
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = appended / elapsed;
  progress.done(`${Math.round(rate).toLocaleString('en')} events/s`);
  return {
    name: label,
    value: rate,
    unit: 'events/s',
    baseline: writers === 1 ? MACHINE_BASELINES.pgAppendOneWriterPrepared : MACHINE_BASELINES.pgAppend25WritersPrepared,
    goal: writers === 25 ? 10_000 : undefined,
    detail: { 'p50 ms': (histogram.getValueAtPercentile(50) / 1000).toFixed(2), 'p99 ms': (histogram.getValueAtPercentile(99) / 1000).toFixed(2), events: appended },
  };
}

async function fillLog(store: EventStore, count: number): Promise<void> {
  const progress = new ProgressLine('filling the log for the relay run');
  const perAppend = 100;
  let written = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; written < count; i++) {
        written += perAppend;
        await store.appendToStream(`sku-fill${w}`, Array.from({ length: perAppend }, () => event(`fill${w}`)));
        progress.update(`${Math.min(written, count).toLocaleString('en')} / ${count.toLocaleString('en')}`);
      }
    }),
  );
  progress.done(`${count.toLocaleString('en')} events in the log`);
}

async function waitForStream(nc: NatsConnection, stream: string, count: number, label: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const progress = new ProgressLine(label);
  const started = process.hrtime.bigint();
  for (;;) {
    const messages = await jsm.streams.info(stream).then((i) => i.state.messages, () => 0);
    progress.update(`${messages.toLocaleString('en')} / ${count.toLocaleString('en')}`);
    if (messages >= count) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function consumeBench(nc: NatsConnection, stream: string, count: number, label: string, handler: (eventId: string) => Promise<void>): Promise<number> {
  const progress = new ProgressLine(label);
  let handled = 0;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const consumer = new DurableEventConsumer({
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    catalog: stockflowCatalog,
    stream,
    durable: `bench-${randomBytes(3).toString('hex')}`,
    handlers: new Map([
      [
        'StockReceived',
        async (e) => {
          await handler(e.eventId);
          handled++;
          progress.update(`${handled.toLocaleString('en')} / ${count.toLocaleString('en')}`);
          if (handled === count) finished();
        },
      ],
    ]),
    scheme: { namespace: stream.split('_')[0]!.toLowerCase() },
    prefetch: 1000,
  });
  const started = process.hrtime.bigint();
  await consumer.start();
  await done;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  await consumer.stop();
  progress.done(`${Math.round(count / elapsed).toLocaleString('en')} messages/s`);
  return count / elapsed;
}

async function main(): Promise<void> {
  const schema = uniqueSchemaName('bench');
  const namespace = `bench${randomBytes(3).toString('hex')}`;
  const pool = createPool({ max: 30, applicationName: 'bench:core' });
  const nc = await connectNats({ name: 'bench:core' });
  const figures: BenchFigure[] = [];
  try {
    const store = await openEventStore({ pool, schema });
    figures.push(await appendBench(store, 1, 'PostgreSQL append, 1 writer'));
    figures.push(await appendBench(store, 25, 'PostgreSQL append, 25 writers'));

    const relaySchema = `${schema}_relay`;
    const relayStore = await openEventStore({ pool, schema: relaySchema });
    await migrate(pool, relaySchema, checkpointStoreMigrations);
    await fillLog(relayStore, relayEvents);
    const relay = new EventRelay({
      store: relayStore,
      checkpoints: new PostgresCheckpointStore(pool, relaySchema),
      js: jetstream(nc),
      jsm: await jetstreamManager(nc),
      context: 'inventory',
      scheme: { namespace },
    });
    const stream = contextStreamName('inventory', { namespace });
    await relay.start();
    const relaySeconds = await waitForStream(nc, stream, relayEvents, 'relay log→JetStream');
    await relay.stop();
    const relayRate = relayEvents / relaySeconds;
    new ProgressLine('relay log→JetStream').done(`${Math.round(relayRate).toLocaleString('en')} events/s`);
    figures.push({ name: 'Relay log→JetStream (Msg-Id + expected-last-msg-id, 256 in flight)', value: relayRate, unit: 'events/s', baseline: MACHINE_BASELINES.jetStreamPipelinedPublishMsgId, goal: 30_000, detail: { events: relayEvents } });

    const bare = await consumeBench(nc, stream, relayEvents, 'durable consumer, no-op handler', async () => undefined);
    figures.push({ name: 'Durable consumer, decode + validate + upcast, no-op handler', value: bare, unit: 'messages/s', baseline: MACHINE_BASELINES.jetStreamDurableConsume, detail: { messages: relayEvents } });

    const inbox = await IdempotentInbox.create(pool, relaySchema);
    const inboxCount = Math.min(relayEvents, 20_000);
    const withInbox = await consumeBench(nc, stream, inboxCount, 'durable consumer + idempotent inbox', (eventId) => inbox.runOnce('bench', eventId, async () => undefined).then(() => undefined));
    figures.push({ name: 'Durable consumer + idempotent inbox (one PostgreSQL transaction per message)', value: withInbox, unit: 'messages/s', detail: { messages: inboxCount } });

    await dropSchema(pool, relaySchema);
  } finally {
    await dropSchema(pool, schema);
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(`${namespace.toUpperCase()}_`)) await jsm.streams.delete(name);
    await nc.close();
    await pool.end();
  }
  const notes = [
    `Appends: one event per append, distinct streams, ${seconds} s per run, expected version checked on every append.`,
    'Relay: the log is filled first, then the relay publishes it; measured from relay start until JetStream holds every event.',
    'Consumers: sequential handling in stream order, explicit ack after the handler, prefetch 1000.',
    'Client, servers and load share the same 2 cores.',
  ];
  const { json, markdown } = writeReport(resultsDir, 'core', figures, notes);
  for (const f of figures) console.log(`${f.name}: ${Math.round(f.value).toLocaleString('en')} ${f.unit}${f.baseline ? ` (${((f.value / f.baseline) * 100).toFixed(0)}% of the raw limit)` : ''}`);
  console.log(`\nresults: ${json}\nsummary: ${markdown}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
