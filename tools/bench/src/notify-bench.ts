// `node tools/bench/dist/notify-bench.js` (after a build): the notification path end to end on real
// processes (the whole system as `npm start` runs it, in its own schemas, namespace and ports):
//  1. latency at a steady rate: restock (inventory POST …/receipts, from 0) → SSE event received,
//     → SMTP accepted by the mail sink, → SMS received by the SMS sink; p50/p99;
//  2. fan-out: 10,000 back-in-stock web subscribers on one SKU, 10,000 units restocked → every inbox
//     row committed and announced (notifications/s), and the same for 10,000 availability subscribers.
// Results go to bench/results/notify-<date>.{json,md}.
import { connectNats } from '@stockflow/messaging';
import { confirmContacts, isConfirmationMail, isConfirmationSms } from '@stockflow/sink-kit';
import { type BenchFigure, writeReport } from './bench-report.js';
import { natsUrl, resultsDir, startBenchSystem } from './bench-system.js';
import { call, must, pool, sleep } from './http-client.js';
import { percentileFigure } from './latency.js';
import { ProgressLine } from './progress.js';
import { histogramQuantiles, parseMetrics } from './prometheus-text.js';
import { openSse } from './sse.js';
import { asCustomer, OPERATOR } from './bench-callers.js';

const rate = Number(process.env.BENCH_RATE ?? 10);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const fanout = Number(process.env.BENCH_FANOUT ?? 10_000);

/** A customer's notification stream; `firstAt` is when its first notification arrived. */
async function firstNotification(url: string, headers: Record<string, string>): Promise<{ firstAt: Promise<number>; close(): void }> {
  let resolveFirst!: (t: number) => void;
  const firstAt = new Promise<number>((r) => (resolveFirst = r));
  const stream = await openSse(
    url,
    (e) => {
      if (e.event === 'notification') resolveFirst(e.at);
    },
    headers,
  );
  return { firstAt, close: () => stream.close() };
}

async function main(): Promise<void> {
  const progress = new ProgressLine('notify-bench');
  progress.done('starting the system');
  const sys = await startBenchSystem('notify-bench');
  const { namespace } = sys;
  const url = (name: string): string => sys.url(name);
  const figures: BenchFigure[] = [];
  const notes: string[] = [];
  try {
    progress.done(`system up (log: ${sys.logFile})`);
    const operator = await sys.callers.headers(OPERATOR);
    const customer = (id: string): Promise<Record<string, string>> => sys.callers.headers(asCustomer(id));

    // 1. Latency at a steady rate: one fresh SKU per restock, one customer on all channels per SKU.
    const n = rate * seconds;
    const skus = Array.from({ length: n }, (_, i) => `LAT-${i}`);
    progress.done(`latency: preparing ${n} SKUs and customers`);
    await pool(skus, 8, async (sku, i) => {
      await must('POST', `${url('inventory')}/skus`, { sku, name: `Bench item ${i}` }, 201, operator);
      const asThem = await customer(`lat-${i}`);
      const preferences = { email: `lat-${i}@bench.example`, phone: `+4916${String(100000000 + i)}`, channels: { email: true, sms: true, web: true } };
      await must('PUT', `${url('notifications')}/customers/lat-${i}/preferences`, preferences, 200, asThem);
      await confirmContacts({ notificationsUrl: url('notifications'), mailSinkUrl: url('mail-sink'), smsSinkUrl: url('sms-sink') }, `lat-${i}`, preferences, asThem);
      await must('POST', `${url('notifications')}/subscriptions`, { customerId: `lat-${i}`, sku }, 201, asThem);
    });
    const streams = await Promise.all(skus.map(async (_, i) => firstNotification(`${url('notifications')}/customers/lat-${i}/notifications/stream`, await customer(`lat-${i}`))));
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
      posts.push(must('POST', `${url('inventory')}/skus/${skus[i]}/receipts`, { quantity: 3 }, 200, operator));
      progress.update(`${i + 1}/${n} restocks`);
    }
    await Promise.all(posts);
    const sseAt = await Promise.all(streams.map((s) => Promise.race([s.firstAt, sleep(30_000).then(() => NaN)])));
    for (const s of streams) s.close();
    const deadline = Date.now() + 60_000;
    let mails: { to: string[]; subject: string; receivedAt: string }[] = [];
    let texts: { to: string; body: string; receivedAt: string }[] = [];
    while (Date.now() < deadline) {
      mails = ((await call('GET', `${url('mail-sink')}/api/messages`)).body as typeof mails).filter((m) => m.to[0]?.endsWith('@bench.example') && !isConfirmationMail(m));
      texts = ((await call('GET', `${url('sms-sink')}/api/messages`)).body as typeof texts).filter((m) => m.to.startsWith('+4916') && !isConfirmationSms(m));
      if (mails.length >= n && texts.length >= n) break;
      await sleep(250);
    }
    const mailAt = new Map(mails.map((m) => [Number(/lat-(\d+)@/.exec(m.to[0]!)![1]), Date.parse(m.receivedAt)]));
    const smsAt = new Map(texts.map((m) => [Number(m.to.slice(5)) - 100000000, Date.parse(m.receivedAt)]));
    const sse = sseAt.map((t, i) => t - started[i]!).filter((v) => Number.isFinite(v));
    const smtp = skus.map((_, i) => (mailAt.get(i) ?? NaN) - started[i]!).filter((v) => Number.isFinite(v));
    const sms = skus.map((_, i) => (smsAt.get(i) ?? NaN) - started[i]!).filter((v) => Number.isFinite(v));
    figures.push(percentileFigure('restock → SSE event', sse, 100));
    figures.push(percentileFigure('restock → SMTP accepted (mail sink)', smtp, 250));
    figures.push(percentileFigure('restock → SMS received (SMS sink)', sms, 250));
    if (sse.length < n || smtp.length < n || sms.length < n) notes.push(`missing samples: SSE ${n - sse.length}, SMTP ${n - smtp.length}, SMS ${n - sms.length}`);
    // The notifier's own view: from the stock event's occurredAt to the provider's accept (web: inbox commit).
    const exposition = parseMetrics(String((await call('GET', `${url('notifier')}/metrics`, undefined, operator)).body));
    for (const channel of ['web', 'email', 'sms']) {
      const q = histogramQuantiles(exposition, 'notifier_delivery_latency_seconds', { channel });
      if (q) notes.push(`notifier_delivery_latency_seconds{channel="${channel}"} (event occurredAt → accepted; bucket upper bounds): p50 ≤ ${q.p50 * 1000} ms, p99 ≤ ${q.p99 * 1000} ms over ${q.count} deliveries (includes the fan-out phase only if run before; here: latency phase)`);
    }
    notes.push(`latency: ${n} restocks at ${rate}/s over ${seconds} s, one SKU and one customer (email+SMS+web, SSE stream open) each; measured from the inventory POST …/receipts (restock from 0) to the SSE event at the client, and to the sinks' receivedAt (same machine clock).`);

    // 2. Fan-out to web subscribers on one SKU, back-in-stock (fairness path) and availability.
    const nats = await connectNats({ url: natsUrl, name: 'notify-bench' });
    for (const kind of ['back-in-stock', 'availability'] as const) {
      const sku = `FAN-${kind === 'back-in-stock' ? 'BIS' : 'AV'}`;
      await must('POST', `${url('inventory')}/skus`, { sku, name: `Fan-out ${kind}` }, 201, operator);
      progress.done(`fan-out (${kind}): subscribing ${fanout} customers`);
      const customers = Array.from({ length: fanout }, (_, i) => `fan-${kind === 'back-in-stock' ? 'b' : 'a'}-${i}`);
      await pool(customers, 16, async (customerId, i) => {
        await must('POST', `${url('notifications')}/subscriptions`, { customerId, sku, kind }, 201, await customer(customerId));
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
      await must('POST', `${url('inventory')}/skus/${sku}/receipts`, { quantity: fanout }, 200, operator);
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
    await sys.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
