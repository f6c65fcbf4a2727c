// The read side on real processes: a mixed workload through the REST APIs (carts, orders, restocks
// that notify subscribers, cancellations) must leave every read model equal to the write side and to a fresh rebuild from the
// log, row by row, and every event in the logs counted exactly once in the services'
// `events_appended_total`; and the projections process killed with SIGKILL mid-stream must converge
// to the same state with no event applied twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, dropSchema } from '@stockflow/postgres';
import type { Pool } from 'pg';
import { preferences, subscribe } from './notifications-support.js';
import { dumpReadModels } from './read-model-support.js';
import { WRITE_SIDE, eventually, http, listAll, startTestSystem, type TestSystem } from './test-system.js';

interface StockView {
  sku: string;
  name: string;
  onHand: number;
  reserved: number;
  available: number;
  status: string;
}

const NOTIFICATIONS = ['notifications', 'notifier', 'mail-sink', 'sms-sink'];
/** The processes that append, and the schemas of the logs they append to (the notifier shares its context's). */
const WRITERS = ['orders', 'inventory', 'carts', 'notifications', 'notifier'];
const LOGS = ['orders', 'inventory', 'carts', 'notifications'];

/** `events_appended_total` of one process's /metrics, by stream category. */
function appendedByCategory(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [, labels, value] of metrics.matchAll(/^events_appended_total\{([^}]*)\} (\S+)$/gm)) {
    const category = /stream_category="([^"]*)"/.exec(labels!)![1]!;
    counts[category] = (counts[category] ?? 0) + Number(value);
  }
  return counts;
}

describe('projections on the running system', () => {
  let sys: TestSystem;
  let pool: Pool;
  const schema = (): string => `${sys.schemaPrefix}_projections`;
  const dump = (): Promise<Record<string, unknown[]>> => dumpReadModels(pool, schema());
  const inventorySku = (sku: string) => http<StockView>('GET', `${sys.url('inventory')}/skus/${sku}`).then((r) => r.body);
  const viewSku = (sku: string) => http<StockView>('GET', `${sys.url('projections')}/views/stock/${sku}`);
  /**
   * Waits until the stock view of every SKU shows the inventory's own figures, both read afresh each
   * time: releases of cancelled orders may still be reaching the inventory when this starts.
   */
  const stockConverged = async (skus: readonly string[]): Promise<void> => {
    for (const sku of skus) {
      await eventually(
        async () => ({ truth: await inventorySku(sku), view: await viewSku(sku) }),
        ({ truth, view }) => view.status === 200 && view.body.onHand === truth.onHand && view.body.reserved === truth.reserved && view.body.available === truth.available,
        20_000,
        `stock view of ${sku}`,
      );
    }
  };
  const register = async (sku: string, quantity: number, lowStockThreshold = 2): Promise<void> => {
    expect((await http('POST', `${sys.url('inventory')}/skus`, { sku, name: `Product ${sku}`, lowStockThreshold })).status).toBe(201);
    if (quantity > 0) expect((await http('POST', `${sys.url('inventory')}/skus/${sku}/receipts`, { quantity })).status).toBe(200);
  };

  beforeAll(async () => {
    sys = await startTestSystem({ only: [...WRITE_SIDE, ...NOTIFICATIONS, 'projections'] });
    pool = createPool({ max: 2 });
  });
  afterAll(async () => {
    await sys?.stop();
    if (sys) await dropSchema(pool, schema());
    await pool?.end();
  });

  it('after a mixed workload, every read model equals the write side and a fresh rebuild, row by row', async () => {
    const skus = ['RM-A', 'RM-B', 'RM-C', 'RM-D'];
    await register('RM-A', 20);
    await register('RM-B', 5, 3);
    await register('RM-C', 0);
    await register('RM-D', 50, 10);
    // Waiting for RM-C (out of stock): told on every channel they chose when it comes back.
    for (let i = 0; i < 3; i++) {
      const channels = { email: true, sms: i !== 1, web: i !== 2 };
      await preferences(sys, `cust-${i}`, { email: `cust-${i}@example.com`, phone: `+49151000007${i}0`, channels });
      await subscribe(sys, `cust-${i}`, 'RM-C');
    }

    // Carts: lines set, changed and removed; most checked out, one left open.
    const cartIds: string[] = [];
    const checkoutOrders: string[] = [];
    for (let i = 0; i < 6; i++) {
      const cart = await http<{ cartId: string }>('POST', `${sys.url('carts')}/carts`, { customerId: `cust-${i % 3}` });
      expect(cart.status).toBe(201);
      cartIds.push(cart.body.cartId);
      await http('PUT', `${sys.url('carts')}/carts/${cart.body.cartId}/lines/RM-A`, { quantity: 1 });
      await http('PUT', `${sys.url('carts')}/carts/${cart.body.cartId}/lines/RM-D`, { quantity: 2 });
      await http('PUT', `${sys.url('carts')}/carts/${cart.body.cartId}/lines/RM-C`, { quantity: 1 });
      await http('DELETE', `${sys.url('carts')}/carts/${cart.body.cartId}/lines/RM-C`);
      if (i < 5) {
        const checkout = await http<{ orderId: string }>('POST', `${sys.url('carts')}/carts/${cart.body.cartId}/checkout`);
        expect(checkout.status).toBe(202);
        checkoutOrders.push(checkout.body.orderId);
      }
    }
    // Direct orders, some of which cannot be fulfilled.
    const direct: string[] = [];
    for (let i = 0; i < 12; i++) {
      const placed = await http<{ orderId: string }>('POST', `${sys.url('orders')}/orders`, { customerId: `cust-${i % 3}`, lines: [{ sku: i % 2 ? 'RM-B' : 'RM-D', quantity: 2 }] });
      expect(placed.status).toBe(202);
      direct.push(placed.body.orderId);
    }
    const orderIds = [...checkoutOrders, ...direct];
    const settled = await eventually(
      () => Promise.all(orderIds.map((id) => http<{ orderId: string; status: string }>('GET', `${sys.url('orders')}/orders/${id}`).then((r) => r.body))),
      (orders) => orders.every((o) => o && o.status !== 'pending'),
      60_000,
      'every order to settle',
    );
    // Cancellations of two confirmed orders, then restocks.
    const cancelled = settled.filter((o) => o.status === 'confirmed').slice(0, 2);
    for (const o of cancelled) expect((await http('POST', `${sys.url('orders')}/orders/${o.orderId}/cancel`, { reason: 'changed my mind' })).status).toBeLessThan(300);
    await http('POST', `${sys.url('inventory')}/skus/RM-C/receipts`, { quantity: 7 });
    await http('POST', `${sys.url('inventory')}/skus/RM-B/receipts`, { quantity: 4 });

    // The read models catch up with the write side.
    const truth = await eventually(
      () => Promise.all(orderIds.map((id) => http<{ orderId: string; status: string }>('GET', `${sys.url('orders')}/orders/${id}`).then((r) => r.body))),
      (orders) => cancelled.every((c) => orders.find((o) => o.orderId === c.orderId)?.status === 'cancelled'),
      30_000,
      'the cancellations',
    );
    await stockConverged(skus);
    for (const customer of ['cust-0', 'cust-1', 'cust-2']) {
      const expected = truth.filter(
        (o) => orderIds.indexOf(o.orderId) >= 0 && (direct.includes(o.orderId) ? direct.indexOf(o.orderId) % 3 : checkoutOrders.indexOf(o.orderId) % 3) === Number(customer.slice(-1)),
      );
      await eventually(
        // Two at a time: the read side's paging is part of what must agree with the write side.
        () => listAll<{ orderId: string; status: string }>(`${sys.url('projections')}/views/customers/${customer}/orders`, 2),
        (orders) => expected.every((e) => orders.some((o) => o.orderId === e.orderId && o.status === e.status)) && orders.length === expected.length,
        20_000,
        `the orders of ${customer}`,
      );
    }
    for (const cartId of cartIds) {
      const write = await http<{ lines: { sku: string; quantity: number }[]; status: string }>('GET', `${sys.url('carts')}/carts/${cartId}`);
      const view = await eventually(() => http<{ lines: unknown[]; status: string }>('GET', `${sys.url('projections')}/views/carts/${cartId}`), (r) => r.status === 200, 10_000, `cart ${cartId}`);
      expect(view.body.lines).toEqual([...write.body.lines].sort((a, b) => a.sku.localeCompare(b.sku)));
      // One spelling of a status on both sides.
      expect(view.body.status).toBe(write.body.status);
    }

    // Delivery counts per channel equal the notifier's own delivery records (3 email, 2 SMS, 2 web).
    const sentPerChannel = async (): Promise<Record<string, number>> => {
      const counts: Record<string, number> = { email: 0, sms: 0, web: 0 };
      for (let i = 0; i < 3; i++) {
        const deliveries = await listAll<{ channel: string; status: string }>(`${sys.url('notifier')}/deliveries?customerId=cust-${i}`);
        for (const d of deliveries) if (d.status === 'sent') counts[d.channel]!++;
      }
      return counts;
    };
    const sent = await eventually(sentPerChannel, (c) => c.email === 3 && c.sms === 2 && c.web === 2, 30_000, 'the restock notifications');
    const counted = await eventually(
      () => listAll<{ channel: string; delivered: number; failed: number }>(`${sys.url('projections')}/views/notifications/deliveries`),
      (channels) => channels.every((c) => c.delivered === sent[c.channel]),
      20_000,
      'delivery counts per channel',
    );
    expect(counted.map((c) => [c.channel, c.delivered, c.failed])).toEqual([
      ['email', 3, 0],
      ['sms', 2, 0],
      ['web', 2, 0],
    ]);

    // Row by row against a fresh rebuild from the log.
    const live = await dump();
    expect(live.stock).toHaveLength(skus.length);
    expect(live.customer_orders).toHaveLength(orderIds.length);
    expect(live.carts).toHaveLength(cartIds.length);
    expect(live.notification_deliveries).toHaveLength(3);
    const rebuilt = await http<{ events: number; eventsPerSecond: number }>('POST', `${sys.url('projections')}/admin/rebuild`);
    expect(rebuilt.status).toBe(200);
    expect(await dump()).toEqual(live);
  });

  it('after the mixed workload, counts every event of the logs exactly once in events_appended_total', async () => {
    const sumOf = (parts: Record<string, number>[]): Record<string, number> => {
      const total: Record<string, number> = {};
      for (const part of parts) for (const [category, n] of Object.entries(part)) total[category] = (total[category] ?? 0) + n;
      return total;
    };
    const counted = async (): Promise<Record<string, number>> =>
      sumOf(await Promise.all(WRITERS.map(async (name) => appendedByCategory((await (await fetch(`${sys.url(name)}/metrics`)).text())))));
    const logged = async (): Promise<Record<string, number>> => {
      const parts = await Promise.all(
        LOGS.map(async (context) => {
          const { rows } = await pool.query<{ category: string; n: number }>(
            `SELECT split_part(stream_id, '-', 1) AS category, count(*)::int AS n FROM ${sys.schemaPrefix}_${context}.events GROUP BY 1`,
          );
          return Object.fromEntries(rows.map((row) => [row.category, row.n]));
        }),
      );
      return sumOf(parts);
    };
    // The system settles (the notifier's last outcomes, a saga's last step): then both sides agree.
    const [metrics, log] = await eventually(
      () => Promise.all([counted(), logged()]),
      ([m, l]) => JSON.stringify(Object.entries(m).sort()) === JSON.stringify(Object.entries(l).sort()),
      30_000,
      'events_appended_total to equal the events in the logs',
    );
    expect(metrics).toEqual(log);
    // The workload wrote every kind the counter once missed or counted twice.
    expect(log['ordersaga']).toBeGreaterThan(0);
    expect(log['delivery']).toBeGreaterThan(0);
    const total = Object.values(log).reduce((a, b) => a + b, 0);
    console.log(`events_appended_total across ${WRITERS.length} services = ${total} = events in ${LOGS.length} logs`, log);
  });

  it('converges after the projections process is killed with SIGKILL mid-stream, applying nothing twice', async () => {
    const skus = ['KILL-A', 'KILL-B', 'KILL-C'];
    for (const sku of skus) await register(sku, 0, 0);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      writes.push(http('POST', `${sys.url('inventory')}/skus/${skus[i % 3]}/receipts`, { quantity: 1 }));
      if (i % 20 === 19) await Promise.all(writes.splice(0));
      if (i === 150) await sys.system.kill('projections', 'SIGKILL');
    }
    await Promise.all(writes);
    await sys.system.restart('projections');
    await stockConverged(skus);
    for (const sku of skus) expect((await viewSku(sku)).body).toMatchObject({ onHand: 100, available: 100, status: 'in-stock' });

    // Nothing applied twice: each projection's applied count equals the messages on its subjects.
    const applied = async (): Promise<number> =>
      (await pool.query<{ n: number }>(`SELECT events_applied::int AS n FROM ${schema()}.projection_checkpoints WHERE projection = 'stock'`)).rows[0]!.n;
    const logged = async (): Promise<number> =>
      (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sys.schemaPrefix}_inventory.events WHERE stream_id LIKE 'sku-%'`)).rows[0]!.n;
    // Settled: the count stops moving once the relay and the projection are both through the log.
    await eventually(async () => [await applied(), await logged()], ([a, l]) => a! >= l!, 20_000, 'the projection to reach the end of the log');
    await new Promise((r) => setTimeout(r, 500));
    expect(await applied()).toBe(await logged());

    const live = await dump();
    expect((await http('POST', `${sys.url('projections')}/admin/rebuild`)).status).toBe(200);
    expect(await dump()).toEqual(live);
  });
});
