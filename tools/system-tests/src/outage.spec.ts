// The whole system rides out an outage of PostgreSQL, then one of NATS, under a steady mixed load
// (ADR 0019). Every process reaches both servers through a TCP proxy of this test's own, which cuts
// every connection and refuses new ones for 10 s; the shared servers are never touched. Afterwards:
// every process is still the same process, nothing hung, every command refused during the outage
// was a quick 503 problem+json with Retry-After, every 2xx was applied once, nothing was oversold,
// every order is final, the read models equal the write side and a rebuild, and every subscriber
// got one notification per channel per restock.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, DEFAULT_DATABASE_URL } from '@stockflow/postgres';
import { DEFAULT_NATS_URL } from '@stockflow/messaging';
import { FaultProxy } from '@stockflow/system-launcher';
import type { Pool } from 'pg';
import type { Order, Sku } from './api-shapes.js';
import { mailsTo, preferences, registerSku, smsTo, subscribe } from './notifications-support.js';
import { dumpReadModels } from './read-model-support.js';
import { command, percentile, SteadyLoad, type CommandOutcome } from './steady-load.js';
import { eventually, http, listAll, startTestSystem, type TestSystem } from './test-system.js';

const OUTAGE_MS = 10_000;
const COMMANDS_PER_SECOND = 40;
/** SKUs the load orders from and restocks; scarce, so that orders are also rejected. */
const LOAD_SKUS = ['OUT-A', 'OUT-B', 'OUT-C', 'OUT-D'];
const INITIAL_STOCK = 60;
/** One restock from zero per phase, each SKU with subscribers of its own. */
const RESTOCKS = ['before', 'pg', 'nats', 'after'] as const;
const SUBSCRIBERS_PER_RESTOCK = 4;
/** Processes whose readiness covers PostgreSQL and NATS (the sinks have neither). */
const READY_CHECKED = ['orders', 'inventory', 'carts', 'notifications', 'notifier', 'projections'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const restockSku = (phase: string): string => `OUT-R-${phase.toUpperCase()}`;
const subscriber = (phase: string, i: number) => ({ id: `out-${phase}-${i}`, email: `out-${phase}-${i}@outage.example`, phone: `+4915300${RESTOCKS.indexOf(phase as never)}${String(i).padStart(4, '0')}` });

describe('outages of PostgreSQL and NATS under load', () => {
  let pgProxy: FaultProxy;
  let natsProxy: FaultProxy;
  let sys: TestSystem;
  let pool: Pool;

  beforeAll(async () => {
    const databaseUrl = process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
    const natsUrl = process.env['NATS_URL'] ?? DEFAULT_NATS_URL;
    const target = (url: string) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) });
    pgProxy = await FaultProxy.start(target(databaseUrl));
    natsProxy = await FaultProxy.start(target(natsUrl));
    sys = await startTestSystem({ databaseUrl: pgProxy.proxiedUrl(databaseUrl), natsUrl: natsProxy.proxiedUrl(natsUrl) });
    // The test's own checks go straight to the server.
    pool = createPool({ connectionString: databaseUrl, max: 2 });
  }, 180_000);
  afterAll(async () => {
    await pgProxy?.restore();
    await natsProxy?.restore();
    await sys?.stop();
    await pool?.end();
    await pgProxy?.close();
    await natsProxy?.close();
  });

  it('every process rides out a 10 s outage of each; invariants hold afterwards', async () => {
    const pidsAtStart = sys.system.pids();
    const processCount = sys.system.running.length;

    // Seed: scarce stock for the load; restock SKUs at zero with their subscribers on every channel.
    for (const sku of LOAD_SKUS) {
      expect((await http('POST', `${sys.url('inventory')}/skus`, { sku, name: `Outage ${sku}`, lowStockThreshold: 0 })).status).toBe(201);
      expect((await http('POST', `${sys.url('inventory')}/skus/${sku}/receipts`, { quantity: INITIAL_STOCK })).status).toBe(200);
    }
    for (const phase of RESTOCKS) {
      await registerSku(sys, restockSku(phase), `Restock ${phase}`);
      for (let i = 0; i < SUBSCRIBERS_PER_RESTOCK; i++) {
        const s = subscriber(phase, i);
        await preferences(sys, s.id, { email: s.email, phone: s.phone, channels: { email: true, sms: true, web: true } });
        await subscribe(sys, s.id, restockSku(phase));
      }
    }
    // Probes of recovery: an order and a restock sent the moment each outage ends.
    for (const dependency of ['baseline', 'pg', 'nats']) {
      expect((await http('POST', `${sys.url('inventory')}/skus`, { sku: `OUT-PROBE-${dependency}`, name: 'Probe', lowStockThreshold: 0 })).status).toBe(201);
      expect((await http('POST', `${sys.url('inventory')}/skus/OUT-PROBE-${dependency}/receipts`, { quantity: 10 })).status).toBe(200);
      await registerSku(sys, `OUT-BACK-${dependency}`, 'Probe restock');
      await preferences(sys, `out-probe-${dependency}`, { email: `probe-${dependency}@outage.example`, channels: { email: true, sms: false, web: false } });
      await subscribe(sys, `out-probe-${dependency}`, `OUT-BACK-${dependency}`);
    }

    // The load: direct orders, receipts, and cart journeys (open, set a line, check out).
    const load = new SteadyLoad(COMMANDS_PER_SECOND, async (i, record) => {
      const sku = LOAD_SKUS[i % LOAD_SKUS.length]!;
      const customerId = `out-c${i % 50}`;
      if (i % 10 < 6) {
        return record(await command('order', sku, 'POST', `${sys.url('orders')}/orders`, { customerId, lines: [{ sku, quantity: 1 + (i % 2) }] }));
      }
      if (i % 10 < 8) return record(await command('receipt', sku, 'POST', `${sys.url('inventory')}/skus/${sku}/receipts`, { quantity: 3 }));
      const opened = record(await command('cart-open', customerId, 'POST', `${sys.url('carts')}/carts`, { customerId }));
      if (opened.status !== 201) return;
      const cartId = String(opened.body!['cartId']);
      const line = record(await command('cart-line', cartId, 'PUT', `${sys.url('carts')}/carts/${cartId}/lines/${sku}`, { quantity: 1 }));
      if (line.status !== 200) return;
      record(await command('checkout', cartId, 'POST', `${sys.url('carts')}/carts/${cartId}/checkout`));
    });

    /** Polls readiness and liveness of `name` every 250 ms while `during` runs. */
    const watchHealth = async (name: string, during: Promise<void>): Promise<{ ready: number[]; live: number[] }> => {
      const seen = { ready: [] as number[], live: [] as number[] };
      let done = false;
      void during.finally(() => (done = true));
      while (!done) {
        const [ready, live] = await Promise.all([
          command('ready', name, 'GET', `${sys.url(name)}/health/ready`),
          command('live', name, 'GET', `${sys.url(name)}/health/live`),
        ]);
        seen.ready.push(ready.status);
        seen.live.push(live.status);
        await sleep(250);
      }
      return seen;
    };
    const probeAttempts: CommandOutcome[] = [];
    /** From the end of an outage: an order placed (retried while refused) until it is confirmed. */
    const orderProbe = async (dependency: string, endedAt: number): Promise<{ ms: number; id: string }> => {
      let placed: CommandOutcome;
      do {
        placed = await command('probe-order', dependency, 'POST', `${sys.url('orders')}/orders`, { customerId: `out-probe-${dependency}`, lines: [{ sku: `OUT-PROBE-${dependency}`, quantity: 1 }] });
        probeAttempts.push(placed);
        if (placed.status !== 202) await sleep(100);
      } while (placed.status !== 202);
      const id = String(placed.body!['orderId']);
      await eventually(() => http<Order>('GET', `${sys.url('orders')}/orders/${id}`).then((r) => r.body.status), (s) => s === 'confirmed', 120_000, `the ${dependency} probe order to be confirmed`);
      return { ms: Date.now() - endedAt, id };
    };
    /** From the end of an outage: a restock from zero (retried while refused) until its email arrives. */
    const notificationProbe = async (dependency: string, endedAt: number): Promise<number> => {
      while ((await command('probe', dependency, 'POST', `${sys.url('inventory')}/skus/OUT-BACK-${dependency}/receipts`, { quantity: 1 })).status !== 200) await sleep(100);
      await eventually(() => mailsTo(sys, `probe-${dependency}@outage.example`), (m) => m.length >= 1, 120_000, `the ${dependency} probe notification`);
      return Date.now() - endedAt;
    };
    const restock = async (phase: string): Promise<void> => {
      // A client retries what was refused.
      while ((await command('restock', phase, 'POST', `${sys.url('inventory')}/skus/${restockSku(phase)}/receipts`, { quantity: 5 })).status !== 200) await sleep(250);
    };

    const phases: Record<string, { from: number; to: number }> = {};
    const outage = async (name: 'pg' | 'nats', proxy: FaultProxy, during: () => Promise<void>): Promise<{ health: { ready: number[]; live: number[] }; endedAt: number }> => {
      const from = Date.now();
      await proxy.cut();
      const window = (async () => {
        await during();
        await sleep(from + OUTAGE_MS - Date.now());
      })();
      const health = await watchHealth('orders', window);
      await window;
      await proxy.restore();
      phases[name] = { from, to: Date.now() };
      return { health, endedAt: Date.now() };
    };

    load.start();
    await sleep(3_000);
    // The same probes under the same load without an outage, for comparison.
    const baselineProbes = Promise.all([orderProbe('baseline', Date.now()), notificationProbe('baseline', Date.now())]);
    await restock('before');
    await sleep(2_000);
    // The pg restock is committed just before the cut: its fan-out meets the outage.
    await restock('pg');
    const pg = await outage('pg', pgProxy, async () => undefined);
    const pgProbes = Promise.all([orderProbe('pg', pg.endedAt), notificationProbe('pg', pg.endedAt)]);
    await sleep(8_000);
    // The nats restock is committed during the NATS outage (PostgreSQL is up): relayed once it ends.
    const nats = await outage('nats', natsProxy, () => restock('nats'));
    const natsProbes = Promise.all([orderProbe('nats', nats.endedAt), notificationProbe('nats', nats.endedAt)]);
    await sleep(5_000);
    await restock('after');
    await sleep(3_000);
    await load.stop();
    const [[baseOrder, baseNotifyMs], [pgOrder, pgNotifyMs], [natsOrder, natsNotifyMs]] = await Promise.all([baselineProbes, pgProbes, natsProbes]);
    /** Where a probe order's time went: each event of its saga, in both logs, after the outage's end. */
    const timeline = async (id: string, endedAt: number): Promise<string> => {
      const { rows } = await pool.query<{ context: string; type: string; at: Date }>(
        `WITH o AS (SELECT correlation_id FROM ${sys.schemaPrefix}_orders.events WHERE stream_id = $1 LIMIT 1)
         SELECT 'orders' AS context, type, occurred_at AS at FROM ${sys.schemaPrefix}_orders.events WHERE correlation_id = (SELECT correlation_id FROM o)
         UNION ALL
         SELECT 'inventory', type, occurred_at FROM ${sys.schemaPrefix}_inventory.events WHERE correlation_id = (SELECT correlation_id FROM o)
         ORDER BY at`,
        [`order-${id}`],
      );
      return rows.map((r) => `${r.type} +${r.at.getTime() - endedAt} ms`).join(', ');
    };

    // Same processes: none exited, none was restarted.
    expect(sys.system.running).toHaveLength(processCount);
    expect(sys.system.pids()).toEqual(pidsAtStart);
    // Liveness stayed 200; readiness was 503 during each outage and is 200 again everywhere.
    for (const { health } of [pg, nats]) {
      expect(health.live.every((s) => s === 200)).toBe(true);
      expect(health.ready).toContain(503);
    }
    for (const name of READY_CHECKED) await eventually(() => http('GET', `${sys.url(name)}/health/ready`).then((r) => r.status), (s) => s === 200, 60_000, `${name} ready`);

    // Nothing hung, nothing crashed: every command was answered; the only refusals are 503s.
    const outcomes = load.outcomes;
    const unanswered = outcomes.filter((o) => o.status === 0);
    expect(unanswered).toEqual([]);
    expect(outcomes.filter((o) => o.status >= 500 && o.status !== 503)).toEqual([]);
    const refused = outcomes.filter((o) => o.status === 503);
    for (const o of refused) {
      expect(o.contentType).toMatch(/^application\/problem\+json/);
      expect(o.retryAfter).toMatch(/^\d+$/);
      expect(o.body).toMatchObject({ status: 503, type: expect.stringContaining('dependency-unavailable') });
    }
    const inPg = outcomes.filter((o) => o.sentAt >= phases['pg']!.from && o.sentAt < phases['pg']!.to);
    expect(inPg.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);

    // Every 2xx applied exactly once; every order in the log final (also one whose 503 raced its commit).
    const ok = (kind: string) => outcomes.filter((o) => o.kind === kind && o.status >= 200 && o.status < 300);
    const acceptedIds = [...ok('order').map((o) => String(o.body!['orderId'])), ...ok('checkout').map((o) => String(o.body!['orderId']))];
    const placedPerStream = async (): Promise<Map<string, number>> =>
      new Map(
        (
          await pool.query<{ stream_id: string; n: number }>(
            `SELECT stream_id, count(*)::int AS n FROM ${sys.schemaPrefix}_orders.events WHERE type = 'OrderPlaced' GROUP BY stream_id`,
          )
        ).rows.map((r) => [r.stream_id, r.n]),
      );
    // A checkout's order is placed from the carts' event: it may still be on its way.
    const placed = await eventually(placedPerStream, (p) => acceptedIds.every((id) => p.has(`order-${id}`)), 60_000, 'every accepted order in the log');
    expect(acceptedIds.filter((id) => placed.get(`order-${id}`) !== 1)).toEqual([]);
    expect([...placed.values()].filter((n) => n !== 1)).toEqual([]);
    const orderIds = [...placed.keys()].map((stream) => stream.slice('order-'.length));
    const refusedPlacements = [...outcomes, ...probeAttempts].filter((o) => ['order', 'checkout', 'probe-order'].includes(o.kind) && o.status === 503).length;
    expect(orderIds.length - acceptedIds.length).toBeLessThanOrEqual(refusedPlacements + 3); // + the three probes
    // Waited for in the log (a thousand GETs every 25 ms would be a load of their own on orders),
    // then read once through the API, a few at a time.
    const unfinished = async (): Promise<string[]> =>
      (
        await pool.query<{ stream_id: string }>(
          `SELECT stream_id FROM ${sys.schemaPrefix}_orders.events WHERE type = 'OrderPlaced'
           EXCEPT SELECT stream_id FROM ${sys.schemaPrefix}_orders.events WHERE type IN ('OrderConfirmed', 'OrderRejected')`,
        )
      ).rows.map((r) => r.stream_id);
    await eventually(unfinished, (left) => left.length === 0, 120_000, 'every order to be final');
    const orders: Order[] = [];
    for (let i = 0; i < orderIds.length; i += 20) {
      orders.push(...(await Promise.all(orderIds.slice(i, i + 20).map((id) => http<Order>('GET', `${sys.url('orders')}/orders/${id}`).then((r) => r.body)))));
    }
    expect(orders.filter((o) => o.status !== 'confirmed' && o.status !== 'rejected')).toEqual([]);
    const receiptsLogged = new Map(
      (
        await pool.query<{ stream_id: string; n: number }>(
          `SELECT stream_id, count(*)::int AS n FROM ${sys.schemaPrefix}_inventory.events WHERE type = 'StockReceived' GROUP BY stream_id`,
        )
      ).rows.map((r) => [r.stream_id, r.n]),
    );
    for (const sku of LOAD_SKUS) {
      const accepted = ok('receipt').filter((o) => o.subject === sku).length;
      const uncertain = outcomes.filter((o) => o.kind === 'receipt' && o.subject === sku && o.status === 503).length;
      const logged = (receiptsLogged.get(`sku-${sku}`) ?? 0) - 1; // less the seed receipt
      // Every accepted receipt is in the log once; a refused one at most once (its commit may have raced the cut).
      expect(logged).toBeGreaterThanOrEqual(accepted);
      expect(logged).toBeLessThanOrEqual(accepted + uncertain);
    }

    // No oversell: what each SKU has reserved is exactly what its confirmed orders hold, within stock.
    for (const sku of LOAD_SKUS) {
      const truth = (await http<Sku>('GET', `${sys.url('inventory')}/skus/${sku}`)).body;
      const confirmed = orders.filter((o) => o.status === 'confirmed').flatMap((o) => o.lines.filter((l) => l.sku === sku)).reduce((n, l) => n + l.quantity, 0);
      expect(truth.available).toBeGreaterThanOrEqual(0);
      expect(truth.reserved).toBe(confirmed);
      expect(truth.reserved).toBeLessThanOrEqual(truth.onHand);
    }

    // One notification per subscriber per channel per restock.
    const subscribers = RESTOCKS.flatMap((phase) => Array.from({ length: SUBSCRIBERS_PER_RESTOCK }, (_, i) => subscriber(phase, i)));
    const mine = (to: string) => to.endsWith('@outage.example') && !to.startsWith('probe-');
    await eventually(() => mailsTo(sys), (m) => new Set(m.filter((x) => mine(x.to[0]!)).map((x) => x.to[0])).size >= subscribers.length, 90_000, 'every subscriber mailed');
    await eventually(() => smsTo(sys), (m) => new Set(m.filter((x) => x.to.startsWith('+4915300')).map((x) => x.to)).size >= subscribers.length, 90_000, 'every subscriber texted');
    const inboxes = () => Promise.all(subscribers.map(async (s) => (await listAll<unknown>(`${sys.url('notifications')}/customers/${s.id}/notifications`)).length));
    await eventually(inboxes, (n) => n.every((x) => x >= 1), 60_000, 'every inbox');
    await sleep(2_000);
    const mails = (await mailsTo(sys)).filter((m) => mine(m.to[0]!));
    const texts = (await smsTo(sys)).filter((t) => t.to.startsWith('+4915300'));
    const countBy = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
    expect([...countBy(mails.map((m) => m.to[0]!)).entries()].sort()).toEqual(subscribers.map((s) => [s.email, 1]).sort());
    expect([...countBy(texts.map((t) => t.to)).entries()].sort()).toEqual(subscribers.map((s) => [s.phone, 1]).sort());
    expect(await inboxes()).toEqual(subscribers.map(() => 1));

    // Read models: the stock view equals the inventory, each order's summary its status, and a rebuild the live tables.
    const stockSkus = [...LOAD_SKUS, ...RESTOCKS.map(restockSku), ...['baseline', 'pg', 'nats'].flatMap((d) => [`OUT-PROBE-${d}`, `OUT-BACK-${d}`])];
    for (const sku of stockSkus) {
      await eventually(
        async () => ({ truth: (await http<Sku>('GET', `${sys.url('inventory')}/skus/${sku}`)).body, view: await http<Sku>('GET', `${sys.url('projections')}/views/stock/${sku}`) }),
        ({ truth, view }) => view.status === 200 && view.body.onHand === truth.onHand && view.body.reserved === truth.reserved && view.body.available === truth.available,
        60_000,
        `stock view of ${sku}`,
      );
    }
    const statusOf = new Map(orders.map((o) => [o.orderId, o.status]));
    // The probe answers the orders whose summary is missing or differs, so a failure names them.
    await eventually(
      async () => {
        const rows = (await pool.query<{ order_id: string; status: string }>(`SELECT order_id, status FROM ${sys.schemaPrefix}_projections.customer_orders`)).rows;
        const view = new Map(rows.map((r) => [r.order_id, r.status]));
        return orderIds.filter((id) => view.get(id) !== statusOf.get(id)).map((id) => ({ id, orders: statusOf.get(id), view: view.get(id) ?? null }));
      },
      (differing) => differing.length === 0,
      60_000,
      'every order in the customer orders view',
    );
    await sleep(1_000);
    const live = await dumpReadModels(pool, `${sys.schemaPrefix}_projections`);
    expect((await http('POST', `${sys.url('projections')}/admin/rebuild`)).status).toBe(200);
    expect(await dumpReadModels(pool, `${sys.schemaPrefix}_projections`)).toEqual(live);

    const answerMs = refused.map((o) => o.ms);
    const beforeMs = outcomes.filter((o) => o.sentAt < phases['pg']!.from && o.status >= 200 && o.status < 300).map((o) => o.ms);
    const count = (kind: string, from: number, to: number) => outcomes.filter((o) => o.kind === kind && o.sentAt >= from && o.sentAt < to);
    console.log(
      [
        `outage test: ${outcomes.length} commands at ${COMMANDS_PER_SECOND}/s; ${refused.length} refused with 503 (time to answer p50 ${percentile(answerMs, 50).toFixed(0)} ms, p99 ${percentile(answerMs, 99).toFixed(0)} ms, max ${Math.max(...answerMs).toFixed(0)} ms; 2xx before the outages: p50 ${percentile(beforeMs, 50).toFixed(0)} ms, p99 ${percentile(beforeMs, 99).toFixed(0)} ms); none unanswered, no 500`,
        `  PostgreSQL cut ${OUTAGE_MS / 1000} s (${pgProxy.connectionsCut} connections cut): ${inPg.length} commands sent, ${inPg.filter((o) => o.status === 503).length} refused; orders readiness ${pg.health.ready.join(',')}`,
        `  NATS cut ${OUTAGE_MS / 1000} s (${natsProxy.connectionsCut} connections cut): ${count('order', phases['nats']!.from, phases['nats']!.to).filter((o) => o.status === 202).length} orders accepted meanwhile; orders readiness ${nats.health.ready.join(',')}`,
        `  end of outage → first confirmed order: PostgreSQL ${pgOrder.ms} ms, NATS ${natsOrder.ms} ms; → first notification (email): PostgreSQL ${pgNotifyMs} ms, NATS ${natsNotifyMs} ms (the same under this load without an outage: ${baseOrder.ms} ms, ${baseNotifyMs} ms)`,
        `  probe order after PostgreSQL: ${await timeline(pgOrder.id, pg.endedAt)}`,
        `  probe order after NATS: ${await timeline(natsOrder.id, nats.endedAt)}`,
        `  ${orders.length} orders final (${orders.filter((o) => o.status === 'confirmed').length} confirmed); ${subscribers.length} subscribers × 3 channels notified once; same ${processCount} processes`,
      ].join('\n'),
    );
  }, 420_000);
});
