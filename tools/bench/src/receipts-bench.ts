// `node tools/bench/dist/receipts-bench.js` (after `npx nx run-many -t build -p inventory bench`):
// the built inventory service as a child process, in a schema, subject namespace and port of its
// own; 200 SKUs registered; then `POST /skus/:sku/receipts` at 64 connections spread round-robin
// over the SKUs for ~10 s with autocannon. Reports commands/s and autocannon's p50/p99 (whole ms),
// checks that every 200 was booked exactly once, then stops the child and drops its schema/streams.
//
// The machine is shared and its speed varies a lot with what else runs (and its disk's fsync time
// with its neighbours'), so two references are measured in the same run, right before the receipts:
// - the same appends straight into PostgreSQL (same events, writers and pool size as the service);
// - NestJS 12 + Fastify + ValidationPipe answering a validated POST with no I/O (the shape of the
//   machine baseline's 16,949 req/s), in a child process of its own.
// The ratios to them say what the service itself costs at that moment.
//
// Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (64), BENCH_SKUS (200), BENCH_LOG_LEVEL (warn),
// BENCH_RESULTS_DIR (bench/results), BENCH_REFERENCE_SECONDS (5; 0 skips the references),
// BENCH_CPU_PROF=1 profiles the service (--cpu-prof, into <results>/cpu-profiles/).
import { connectNats } from '@stockflow/messaging';
import { deleteNamespaceStreams } from '@stockflow/messaging/testing';
import { openEventStore } from '@stockflow/platform';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport, type BenchFigure } from './bench-report.js';
import { MACHINE_BASELINES } from './machine-baselines.js';
import { ProgressLine } from './progress.js';

/**
 * NestJS 12 + Fastify + ValidationPipe answering a validated POST without any I/O, on a quiet
 * machine of this kind (shared/reference/machine-baselines.md, row 3).
 */
const NEST_FASTIFY_VALIDATION_REQ_PER_S = MACHINE_BASELINES.nestFastifyValidationReqPerS;
const GOAL_COMMANDS_PER_S = 5_000;
/** The host's default pool size (DB_POOL_MAX). */
const SERVICE_POOL_SIZE = 20;
const NEST_BASELINE_FLAG = '--nest-baseline-server';

const self = fileURLToPath(import.meta.url);
const root = resolve(self, '../../../..');
const entry = resolve(root, 'apps/inventory/dist/main.js');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const skuCount = Number(process.env.BENCH_SKUS ?? 200);
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'warn';
const resultsDir = resolve(root, process.env.BENCH_RESULTS_DIR ?? 'bench/results');
const cpuProfile = process.env.BENCH_CPU_PROF === '1';
const referenceSeconds = Number(process.env.BENCH_REFERENCE_SECONDS ?? 5);

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
}

function startChild(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  return { process: child, exited: new Promise((done) => child.once('exit', (code) => done(code))) };
}

async function stopChild(child: Child): Promise<void> {
  child.process.kill('SIGTERM');
  const code = await Promise.race([child.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
  if (code === 'timeout') child.process.kill('SIGKILL');
}

async function waitUntilReady(url: string, child: Child, path = '/health/ready'): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (let i = 0; i < 600; i++) {
    if (exited) throw new Error(`the process for ${url} exited during start-up (see its output above)`);
    const ready = await fetch(`${url}${path}`).then((r) => r.status < 500, () => false);
    if (ready) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not become ready`);
}

const randomPort = (): number => 20000 + Math.floor(Math.random() * 20000);

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** User and system CPU seconds of the service process, from its Prometheus metrics. */
async function serviceCpuSeconds(url: string): Promise<{ user: number; system: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { user: read('process_cpu_user_seconds_total'), system: read('process_cpu_system_seconds_total') };
}

/**
 * The service's receipts without the service: StockReceived + StockLevelChanged appended with the
 * expected version, `connections` writers over `skuCount` streams, each stream written by one
 * writer at a time (as the service's per-SKU lanes do), through a pool of the service's size.
 */
async function rawAppendReference(): Promise<BenchFigure> {
  const schema = uniqueSchemaName('bench_raw');
  const pool = createPool({ max: SERVICE_POOL_SIZE, applicationName: 'bench:receipts-raw' });
  const progress = new ProgressLine('reference: raw PostgreSQL appends');
  try {
    const store = await openEventStore({ pool, schema });
    const latencies: number[] = [];
    const until = Date.now() + referenceSeconds * 1000;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: connections }, async (_, writer) => {
        const own = Array.from({ length: skuCount }, (_, i) => i).filter((i) => i % connections === writer);
        const versions = own.map(() => 0);
        for (let round = 0; Date.now() < until && own.length > 0; round++) {
          const k = round % own.length;
          const sku = `RAW-${own[k]}`;
          const meta = { correlationId: 'bench', causationId: null, traceparent: null };
          const t0 = process.hrtime.bigint();
          const result = await store.appendToStream(
            `sku-${sku}`,
            [
              { eventId: randomUUID(), type: 'StockReceived', schemaVersion: 1, data: { sku, quantity: 1 }, ...meta },
              { eventId: randomUUID(), type: 'StockLevelChanged', schemaVersion: 1, data: { sku, onHand: round + 1, reserved: 0, available: round + 1 }, ...meta },
            ],
            { expectedVersion: versions[k] === 0 ? 'no_stream' : versions[k] },
          );
          versions[k] = result.nextExpectedVersion;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const rate = latencies.length / (Number(process.hrtime.bigint() - started) / 1e9);
    latencies.sort((a, b) => a - b);
    const at = (q: number): string => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
    progress.done(`${Math.round(rate).toLocaleString('en')} appends/s`);
    return {
      name: `reference: the same appends straight into PostgreSQL (${connections} writers, pool of ${SERVICE_POOL_SIZE})`,
      value: rate,
      unit: 'appends/s',
      detail: { 'p50 ms': at(0.5), 'p99 ms': at(0.99) },
    };
  } finally {
    await dropSchema(pool, schema);
    await pool.end();
  }
}

/** Child-process mode: a bare NestJS + Fastify app with a global ValidationPipe and one validated POST. */
async function runNestBaselineServer(port: number): Promise<void> {
  await import('reflect-metadata');
  const { Body, Controller, HttpCode, Module, Post, ValidationPipe } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const { IsInt, Max, Min } = await import('class-validator');

  class QuantityDto {
    @IsInt()
    @Min(1)
    @Max(1_000_000_000)
    quantity!: number;
  }

  @Controller()
  class BaselineController {
    @Post('receipts')
    @HttpCode(200)
    receive(@Body() body: QuantityDto): { quantity: number } {
      return { quantity: body.quantity };
    }
  }

  @Module({ controllers: [BaselineController] })
  class BaselineModule {}

  const app = await NestFactory.create(BaselineModule, new FastifyAdapter(), { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(port, '127.0.0.1');
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

async function nestBaselineReference(): Promise<BenchFigure> {
  const port = randomPort();
  const url = `http://127.0.0.1:${port}`;
  const child = startChild([self, NEST_BASELINE_FLAG, String(port)], {});
  const progress = new ProgressLine('reference: NestJS + Fastify + ValidationPipe, no I/O');
  try {
    await waitUntilReady(url, child, '/receipts');
    const run = (duration: number): Promise<autocannon.Result> =>
      autocannon({ url: `${url}/receipts`, connections, duration, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quantity: 1 }) });
    await run(1);
    const result = await run(referenceSeconds);
    const rate = result['2xx'] / result.duration;
    progress.done(`${Math.round(rate).toLocaleString('en')} req/s`);
    return {
      name: `reference: NestJS 12 + Fastify + ValidationPipe, validated POST with no I/O, ${connections} connections`,
      value: rate,
      unit: 'req/s',
      baseline: NEST_FASTIFY_VALIDATION_REQ_PER_S,
      detail: { 'p50 ms': result.latency.p50, 'p99 ms': result.latency.p99, 'non-2xx': result.non2xx },
    };
  } finally {
    await stopChild(child);
  }
}

async function main(): Promise<void> {
  const schema = uniqueSchemaName('bench_inv');
  const namespace = `bench${randomBytes(3).toString('hex')}`;
  const port = randomPort();
  const url = `http://127.0.0.1:${port}`;
  const skus = Array.from({ length: skuCount }, (_, i) => `BENCH-${String(i).padStart(4, '0')}`);
  const profileDir = resolve(resultsDir, 'cpu-profiles');
  if (cpuProfile) mkdirSync(profileDir, { recursive: true });
  const child = startChild([...(cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), entry], {
    PORT: String(port),
    DB_SCHEMA: schema,
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: logLevel,
    // Development mode: the bench's clients send no tokens yet (issue 12 measures with them).
    STOCKFLOW_ENV: 'development',
  });
  const figures: BenchFigure[] = [];
  const references: BenchFigure[] = [];
  const notes: string[] = [];
  try {
    await waitUntilReady(url, child);
    const progress = new ProgressLine('registering SKUs');
    for (let i = 0; i < skus.length; i += 20) {
      const batch = skus.slice(i, i + 20);
      const statuses = await Promise.all(batch.map((sku) => post(`${url}/skus`, { sku, name: `bench ${sku}`, lowStockThreshold: 10 }).then((r) => r.status)));
      if (statuses.some((s) => s !== 201)) throw new Error(`registering SKUs failed: ${statuses.join(', ')}`);
      progress.update(`${i + batch.length} / ${skus.length}`);
    }
    progress.done(`${skus.length} SKUs registered`);

    let next = 0;
    const body = JSON.stringify({ quantity: 1 });
    const receipts = (duration: number): Promise<autocannon.Result> =>
      autocannon({
        url,
        connections,
        duration,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [{ method: 'POST', body, setupRequest: (request) => ({ ...request, path: `/skus/${skus[next++ % skus.length]}/receipts` }) }],
      });
    // Warm-up (JIT, pool connections, prepared statements, state cache): not measured.
    const warm = await receipts(2);

    if (referenceSeconds > 0) {
      references.push(await nestBaselineReference());
      references.push(await rawAppendReference());
    }

    const measuring = new ProgressLine('receipts');
    measuring.update(`${connections} connections over ${skus.length} SKUs for ${seconds} s…`, true);
    const loadBefore = loadavg()[0]!;
    const cpuBefore = await serviceCpuSeconds(url);
    const result = await receipts(seconds);
    const cpuAfter = await serviceCpuSeconds(url);
    const loadAfter = loadavg()[0]!;
    const ok = result['2xx'];
    const rate = ok / result.duration;
    measuring.done(`${Math.round(rate).toLocaleString('en')} commands/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);

    // Every 200 was booked exactly once: the SKUs' on-hand stock adds up to the 200s, plus at most
    // the requests still in flight when each autocannon run stopped counting (one per connection).
    let onHand = 0;
    for (const sku of skus) onHand += ((await (await fetch(`${url}/skus/${sku}`)).json()) as { onHand: number }).onHand;
    const answered = warm['2xx'] + ok;
    if (onHand < answered || onHand > answered + 2 * connections) {
      throw new Error(`on-hand stock ${onHand} does not match the ${answered} receipts answered 200 (+ up to ${2 * connections} in flight at the end of a run)`);
    }
    if (result.non2xx > 0 || result.errors > 0) notes.push(`Non-2xx answers: ${result.non2xx}; connection errors: ${result.errors}; timeouts: ${result.timeouts}.`);

    const cpuUser = cpuAfter.user - cpuBefore.user;
    const cpuSystem = cpuAfter.system - cpuBefore.system;
    const ratios: Record<string, string> = {};
    for (const reference of references) ratios[`vs ${reference.unit === 'req/s' ? 'Nest no-I/O' : 'raw appends'} now`] = `${((rate / reference.value) * 100).toFixed(0)}%`;
    figures.push({
      name: `POST /skus/:sku/receipts, ${connections} connections over ${skus.length} SKUs`,
      value: rate,
      unit: 'commands/s',
      baseline: NEST_FASTIFY_VALIDATION_REQ_PER_S,
      goal: GOAL_COMMANDS_PER_S,
      detail: {
        'p50 ms': result.latency.p50,
        'p99 ms': result.latency.p99,
        'max ms': result.latency.max,
        commands: ok,
        'non-2xx': result.non2xx,
        errors: result.errors,
        ...ratios,
        'service CPU %': Math.round(((cpuUser + cpuSystem) / result.duration) * 100),
        'service CPU µs/command user+sys': `${Math.round((cpuUser / ok) * 1e6)}+${Math.round((cpuSystem / ok) * 1e6)}`,
        'load avg before/after': `${loadBefore.toFixed(2)}/${loadAfter.toFixed(2)}`,
      },
    });
    figures.push(...references);
    notes.push(
      `Each command: validation, the SKU's state from the per-process cache, decide, and one append statement (StockReceived + StockLevelChanged) with the expected version, committed (fsynced) by PostgreSQL.`,
      `The 16,949 req/s baseline is NestJS 12 + Fastify + ValidationPipe with no I/O on a quiet machine of this kind; the references were measured in this run, right before the receipts, because this shared machine's speed varies several-fold with its load.`,
      `autocannon ${connections} connections in the bench process, round-robin over ${skus.length} SKUs, ${seconds} s after a 2 s warm-up; latency percentiles are whole milliseconds.`,
      `Service log level ${logLevel}. Client, service, PostgreSQL and NATS share the same 2 cores. Checked: on-hand stock summed over the SKUs equals the receipts answered 200.`,
    );
  } finally {
    await stopChild(child);
    const pool = createPool({ max: 1, applicationName: 'bench:receipts' });
    await dropSchema(pool, schema);
    await pool.end();
    const nc = await connectNats({ name: 'bench:receipts' });
    await deleteNamespaceStreams(nc, namespace);
    await nc.close();
  }
  if (cpuProfile) notes.push(`CPU profile of the service: ${profileDir}`);
  const { json, markdown } = writeReport(resultsDir, 'receipts', figures, notes);
  for (const f of figures) {
    const detail = Object.entries(f.detail ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const ratio = f.baseline ? ` (${((f.value / f.baseline) * 100).toFixed(0)}% of ${f.baseline.toLocaleString('en')})` : '';
    const goal = f.goal ? `, goal ≥ ${f.goal.toLocaleString('en')}: ${f.value >= f.goal ? 'met' : 'MISSED'}` : '';
    console.log(`${f.name}: ${Math.round(f.value).toLocaleString('en')} ${f.unit}${ratio}${goal}; ${detail}`);
  }
  console.log(`\nresults: ${json}\nsummary: ${markdown}`);
}

if (process.argv[2] === NEST_BASELINE_FLAG) {
  runNestBaselineServer(Number(process.argv[3])).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
