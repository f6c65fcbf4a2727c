// The machine's raw limits, measured in the same run as the system they divide (issue 12): absolute
// figures move 2× between machines of one kind and ±15% between runs, so every figure of a report is
// given as a ratio to these. A short pass (about 40 s): a bare NestJS + Fastify + ValidationPipe
// endpoint, PostgreSQL single-event appends with 25 writers, JetStream pipelined publish with Msg-Id,
// and a durable pull consumer with explicit acks. Each uses its own schema, stream and port and
// removes them afterwards.
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@stockflow/messaging';
import { createPool, dropSchema, quoteSchema, uniqueSchemaName } from '@stockflow/postgres';
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { ProgressLine } from '../progress.js';

export interface SameRunLimits {
  /** Validated POSTs per second a bare NestJS + Fastify + ValidationPipe process answers (50 connections). */
  readonly nestRequestsPerSecond: number;
  /** Single-event appends per second, 25 writers on distinct streams, prepared, optimistic concurrency by unique key. */
  readonly pgAppendsPerSecond: number;
  /** JetStream publishes per second, 256 in flight, each with a Msg-Id (deduplicated). */
  readonly jetstreamPublishPerSecond: number;
  /** Messages per second a durable pull consumer receives and acks (explicit ack). */
  readonly jetstreamConsumePerSecond: number;
}

export interface LimitsOptions {
  readonly databaseUrl?: string;
  readonly natsUrl?: string;
  /** Seconds per measurement (default 8). */
  readonly seconds?: number;
}

const here = fileURLToPath(new URL('.', import.meta.url));

export async function measureSameRunLimits(progress: ProgressLine, options: LimitsOptions = {}): Promise<SameRunLimits> {
  const seconds = options.seconds ?? 8;
  progress.update('same-run limits: bare NestJS endpoint', true);
  const nestRequestsPerSecond = await bareNest(seconds);
  progress.update('same-run limits: PostgreSQL appends, 25 writers', true);
  const pgAppendsPerSecond = await pgAppends(seconds, options.databaseUrl);
  progress.update('same-run limits: JetStream publish and consume', true);
  const { publish, consume } = await jetStream(seconds, options.natsUrl);
  const limits = { nestRequestsPerSecond, pgAppendsPerSecond, jetstreamPublishPerSecond: publish, jetstreamConsumePerSecond: consume };
  progress.done(
    `same-run limits: NestJS ${round(nestRequestsPerSecond)} req/s, PostgreSQL ${round(pgAppendsPerSecond)} appends/s, JetStream publish ${round(publish)} msg/s, consume ${round(consume)} msg/s`,
  );
  return limits;
}

const round = (n: number): string => Math.round(n).toLocaleString('en');

async function bareNest(seconds: number): Promise<number> {
  const child = spawn(process.execPath, [resolve(here, 'bare-nest-server.js')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((ok, fail) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening (\d+)/.exec(out);
        if (match) ok(Number(match[1]));
      });
      child.once('exit', (code) => fail(new Error(`the bare NestJS server exited (${code}) before listening`)));
    });
    const run = (duration: number) =>
      autocannon({
        url: `http://127.0.0.1:${port}/bare`,
        method: 'POST',
        connections: 50,
        duration,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'LIMIT-1', quantity: 3 }),
      });
    await run(2); // warm-up: JIT and connections
    const result = await run(seconds);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`the bare NestJS endpoint answered ${result.non2xx} non-2xx and ${result.errors} errors`);
    return result.requests.total / seconds;
  } finally {
    child.kill('SIGTERM');
  }
}

async function pgAppends(seconds: number, databaseUrl?: string): Promise<number> {
  const schema = uniqueSchemaName('bench_limits');
  const s = quoteSchema(schema);
  const admin = createPool({ max: 1, connectionString: databaseUrl, applicationName: 'bench:limits' });
  await admin.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.events (stream_id text NOT NULL, version int NOT NULL, data jsonb NOT NULL, PRIMARY KEY (stream_id, version))`);
  const writers = await Promise.all(
    Array.from({ length: 25 }, async () => {
      const client = new pg.Client({ connectionString: databaseUrl ?? process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
      await client.connect();
      return client;
    }),
  );
  try {
    const payload = JSON.stringify({ sku: 'LIMIT-1', quantity: 1, note: 'x'.repeat(180) });
    const until = Date.now() + seconds * 1000;
    const started = performance.now();
    const counts = await Promise.all(
      writers.map(async (client, w) => {
        let version = 0;
        while (Date.now() < until) {
          await client.query({ name: 'append', text: `INSERT INTO ${s}.events (stream_id, version, data) VALUES ($1, $2, $3)`, values: [`w${w}`, ++version, payload] });
        }
        return version;
      }),
    );
    return counts.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
  } finally {
    await Promise.all(writers.map((client) => client.end()));
    await dropSchema(admin, schema);
    await admin.end();
  }
}

async function jetStream(seconds: number, natsUrl?: string): Promise<{ publish: number; consume: number }> {
  const namespace = `limits${randomBytes(3).toString('hex')}`;
  const stream = `${namespace.toUpperCase()}_LIMITS`;
  const nc = await connectNats({ url: natsUrl, name: 'bench:limits' });
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.add({ name: stream, subjects: [`${namespace}.limits.>`] });
    const js = jetstream(nc);
    const payload = new Uint8Array(256).fill(120);
    const inFlight = new Set<Promise<unknown>>();
    const until = Date.now() + seconds * 1000;
    const started = performance.now();
    let published = 0;
    while (Date.now() < until) {
      const ack: Promise<unknown> = js.publish(`${namespace}.limits.event`, payload, { msgID: `${namespace}-${published++}` }).finally(() => inFlight.delete(ack));
      inFlight.add(ack);
      if (inFlight.size >= 256) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const publish = published / ((performance.now() - started) / 1000);

    await jsm.consumers.add(stream, { durable_name: 'limits', ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get(stream, 'limits');
    const consumeStarted = performance.now();
    let received = 0;
    const messages = await consumer.consume({ max_messages: 256 });
    for await (const message of messages) {
      message.ack();
      if (++received >= published) break;
    }
    const consume = received / ((performance.now() - consumeStarted) / 1000);
    return { publish, consume };
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  }
}
