// `node tools/bench/dist/notify-bench.js` (after a build): the notification path end to end on real
// processes (the whole system as `npm start` runs it, in its own schemas, namespace and ports):
//  1. latency at a steady rate: restock (inventory POST …/receipts, from 0) → SSE event received,
//     → SMTP accepted by the mail sink, → SMS received by the SMS sink; p50/p99;
//  2. fan-out: 10,000 back-in-stock web subscribers on one SKU, 10,000 units restocked → every inbox
//     row committed and announced (notifications/s), and the same for 10,000 availability subscribers.
// Results go to bench/results/notify-<date>.{json,md}.
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@stockflow/messaging';
import { createPool, dropSchema } from '@stockflow/postgres';
import { RunningSystem, SERVICES, systemManifest } from '@stockflow/system-launcher';
import hdr from 'hdr-histogram-js';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport, type BenchFigure } from './bench-report.js';
import { ProgressLine } from './progress.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const rate = Number(process.env.BENCH_RATE ?? 10);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const fanout = Number(process.env.BENCH_FANOUT ?? 10_000);
const resultsDir = resolve(root, process.env.BENCH_RESULTS_DIR ?? 'bench/results');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(100);
    }
  }
}

async function must(method: string, url: string, body: unknown, status: number): Promise<unknown> {
  const response = await call(method, url, body);
  if (response.status !== status) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Runs `work` over `items` with `concurrency` at a time. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

interface SseHandle {
  readonly firstAt: Promise<number>;
  close(): void;
}

async function openSse(url: string): Promise<SseHandle> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  if (response.status !== 200) throw new Error(`SSE ${url}: ${response.status}`);
  let resolveFirst!: (t: number) => void;
  const firstAt = new Promise<number>((r) => (resolveFirst = r));
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        if (/(^|\n)event: notification\n/.test(buffer)) {
          resolveFirst(Date.now());
          buffer = '';
        } else if (buffer.length > 4096) buffer = buffer.slice(-1024);
      }
    } catch {
      // closed
    }
  })();
  return { firstAt, close: () => controller.abort() };
}

/** Upper bounds of the buckets holding the 50th and 99th percentiles of a Prometheus histogram. */
function histogramQuantiles(text: string, name: string, channel: string): { p50: number; p99: number; count: number } | null {
  const buckets: [number, number][] = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)",channel="${channel}"\\} (\\d+)`).exec(line) ?? new RegExp(`^${name}_bucket\\{channel="${channel}",le="([^"]+)"\\} (\\d+)`).exec(line);
    if (m) buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  }
  if (buckets.length === 0) return null;
  buckets.sort((a, b) => a[0] - b[0]);
  const count = buckets[buckets.length - 1]![1];
  const at = (q: number): number => buckets.find(([, c]) => c >= q * count)?.[0] ?? Infinity;
  return { p50: at(0.5), p99: at(0.99), count };
}

function percentileFigure(name: string, samples: number[], goalMs: number): BenchFigure[] {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3 });
  for (const s of samples) h.recordValue(Math.max(1, Math.round(s)));
  const p50 = h.getValueAtPercentile(50);
  const p99 = h.getValueAtPercentile(99);
  const detail = { samples: samples.length, 'p50 ms': p50, 'p99 ms': p99, 'max ms': h.maxValue, 'goal p99 ms': goalMs, verdict: p99 <= goalMs ? 'met' : 'MISSED' };
  return [{ name: `${name} p99`, value: p99, unit: 'ms', detail }];
}

async function main(): Promise<void> {
  const id = randomBytes(3).toString('hex');
  const namespace = `b${id}`;
  const schemaPrefix = `b${id}`;
  const portOffset = 20_000 + Math.floor(Math.random() * 300) * 100;
  mkdirSync(resolve(root, 'test-artifacts'), { recursive: true });
  const logFile = resolve(root, 'test-artifacts', `notify-bench-${namespace}.log`);
  const log = createWriteStream(logFile);
  const specs = systemManifest({ databaseUrl, natsUrl, namespace, schemaPrefix, portOffset, logLevel: 'warn' });
  const system = new RunningSystem(specs, { root, output: (name, line) => log.write(`[${name}] ${line}\n`), startTimeoutMs: 60_000 });
  const url = (name: string): string => system.url(name);
  const figures: BenchFigure[] = [];
  const notes: string[] = [];
  const progress = new ProgressLine('notify-bench');
  try {
    progress.done(`starting the system (log: ${logFile})`);
    await system.start();

    // 1. Latency at a steady rate: one fresh SKU per restock, one customer on all channels per SKU.
    const n = rate * seconds;
    const skus = Array.from({ length: n }, (_, i) => `LAT-${i}`);
    progress.done(`latency: preparing ${n} SKUs and customers`);
    await pool(skus, 8, async (sku, i) => {
      await must('POST', `${url('inventory')}/skus`, { sku, name: `Bench item ${i}` }, 201);
      await must('PUT', `${url('notifications')}/customers/lat-${i}/preferences`, { email: `lat-${i}@bench.example`, phone: `+4916${String(100000000 + i)}`, channels: { email: true, sms: true, web: true } }, 200);
      await must('POST', `${url('notifications')}/subscriptions`, { customerId: `lat-${i}`, sku }, 201);
    });
    const streams = await Promise.all(skus.map((_, i) => openSse(`${url('notifications')}/customers/lat-${i}/notifications/stream`)));
    await sleep(500);
    const started: number[] = new Array(n);
    progress.done(`latency: ${n} restocks at ${rate}/s`);
    const t0 = Date.now();
    const posts: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      started[i] = Date.now();
      posts.push(must('POST', `${url('inventory')}/skus/${skus[i]}/receipts`, { quantity: 3 }, 200));
      progress.update(`${i + 1}/${n} restocks`);
    }
    await Promise.all(posts);
    const sseAt = await Promise.all(streams.map((s) => Promise.race([s.firstAt, sleep(30_000).then(() => NaN)])));
    for (const s of streams) s.close();
    const deadline = Date.now() + 60_000;
    let mails: { to: string[]; receivedAt: string }[] = [];
    let texts: { to: string; receivedAt: string }[] = [];
    while (Date.now() < deadline) {
      mails = ((await call('GET', `${url('mail-sink')}/api/messages`)).body as typeof mails).filter((m) => m.to[0]?.endsWith('@bench.example'));
      texts = ((await call('GET', `${url('sms-sink')}/api/messages`)).body as typeof texts).filter((m) => m.to.startsWith('+4916'));
      if (mails.length >= n && texts.length >= n) break;
      await sleep(250);
    }
    const mailAt = new Map(mails.map((m) => [Number(/lat-(\d+)@/.exec(m.to[0]!)![1]), Date.parse(m.receivedAt)]));
    const smsAt = new Map(texts.map((m) => [Number(m.to.slice(5)) - 100000000, Date.parse(m.receivedAt)]));
    const sse = sseAt.map((t, i) => t - started[i]!).filter((v) => Number.isFinite(v));
    const smtp = skus.map((_, i) => (mailAt.get(i) ?? NaN) - started[i]!).filter((v) => Number.isFinite(v));
    const sms = skus.map((_, i) => (smsAt.get(i) ?? NaN) - started[i]!).filter((v) => Number.isFinite(v));
    figures.push(...percentileFigure('restock → SSE event', sse, 100));
    figures.push(...percentileFigure('restock → SMTP accepted (mail sink)', smtp, 250));
    figures.push(...percentileFigure('restock → SMS received (SMS sink)', sms, 250));
    if (sse.length < n || smtp.length < n || sms.length < n) notes.push(`missing samples: SSE ${n - sse.length}, SMTP ${n - smtp.length}, SMS ${n - sms.length}`);
    // The notifier's own view: from the stock event's occurredAt to the provider's accept (web: inbox commit).
    const exposition = String((await fetch(`${url('notifier')}/metrics`).then((r) => r.text())) ?? '');
    for (const channel of ['web', 'email', 'sms']) {
      const q = histogramQuantiles(exposition, 'notifier_delivery_latency_seconds', channel);
      if (q) notes.push(`notifier_delivery_latency_seconds{channel="${channel}"} (event occurredAt → accepted; bucket upper bounds): p50 ≤ ${q.p50 * 1000} ms, p99 ≤ ${q.p99 * 1000} ms over ${q.count} deliveries (includes the fan-out phase only if run before; here: latency phase)`);
    }
    notes.push(`latency: ${n} restocks at ${rate}/s over ${seconds} s, one SKU and one customer (email+SMS+web, SSE stream open) each; measured from the inventory POST …/receipts (restock from 0) to the SSE event at the client, and to the sinks' receivedAt (same machine clock).`);

    // 2. Fan-out to web subscribers on one SKU, back-in-stock (fairness path) and availability.
    const nats = await connectNats({ url: natsUrl, name: 'notify-bench' });
    for (const kind of ['back-in-stock', 'availability'] as const) {
      const sku = `FAN-${kind === 'back-in-stock' ? 'BIS' : 'AV'}`;
      await must('POST', `${url('inventory')}/skus`, { sku, name: `Fan-out ${kind}` }, 201);
      progress.done(`fan-out (${kind}): subscribing ${fanout} customers`);
      const customers = Array.from({ length: fanout }, (_, i) => `fan-${kind === 'back-in-stock' ? 'b' : 'a'}-${i}`);
      await pool(customers, 16, async (customerId, i) => {
        await must('POST', `${url('notifications')}/subscriptions`, { customerId, sku, kind }, 201);
        if (i % 500 === 0) progress.update(`${i}/${fanout} subscribed`);
      });
      let announced = 0;
      let lastAt = 0;
      const sub = nats.subscribe(`${namespace}.live.notifications.inbox.*`, {
        callback: (_e, msg) => {
          if (msg.string().includes(`"sku":"${sku}"`)) {
            announced++;
            lastAt = Date.now();
          }
        },
      });
      await nats.flush();
      const start = Date.now();
      await must('POST', `${url('inventory')}/skus/${sku}/receipts`, { quantity: fanout }, 200);
      const until = Date.now() + 180_000;
      while (announced < fanout && Date.now() < until) {
        await sleep(100);
        progress.update(`${announced}/${fanout} announced`);
      }
      sub.unsubscribe();
      const elapsed = (lastAt - start) / 1000;
      const perSecond = announced / elapsed;
      progress.done(`fan-out (${kind}): ${announced} in ${elapsed.toFixed(2)} s = ${Math.round(perSecond)}/s`);
      figures.push({
        name: `fan-out to ${fanout.toLocaleString('en')} web subscribers (${kind})`,
        value: perSecond,
        unit: 'notifications/s',
        goal: 10_000,
        detail: { notified: announced, 'seconds (restock POST → last live announcement)': elapsed.toFixed(2) },
      });
    }
    await nats.close();
    notes.push(
      'fan-out: one SKU, N web-only subscribers (no preferences: the inbox), N units restocked from 0; timed from the inventory POST to the last live-inbox NATS message (each one is sent after its inbox row committed). back-in-stock also appends N SubscriptionFulfilled events in its waves.',
      `machine: ${process.platform}/${process.arch}, Node ${process.version}; every process of the system on the same host as PostgreSQL and NATS (2 shared cores).`,
    );
    const written = writeReport(resultsDir, 'notify', figures, notes);
    progress.done(`results: ${written.markdown}`);
    for (const f of figures) console.log(`${f.name}: ${Math.round(f.value)} ${f.unit} ${JSON.stringify(f.detail ?? {})}`);
  } finally {
    await system.stop();
    const pg = createPool({ connectionString: databaseUrl, max: 2 });
    for (const s of SERVICES) await dropSchema(pg, `${schemaPrefix}_${s.name}`);
    await pg.end();
    const nc = await connectNats({ url: natsUrl, name: 'notify-bench-cleanup' });
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(`${namespace.toUpperCase()}_`)) await jsm.streams.delete(name);
    await nc.close();
    log.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
