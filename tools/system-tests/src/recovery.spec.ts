// Recovery from a crash in seconds (issue 15, ADR 0019): under a steady load, orders, inventory, the
// inventory relay and the notifier are each killed with SIGKILL right after ten orders and a restock
// were accepted, and started again. Every such order is confirmed and every such restock notified
// once; the test reports how long it took from the moment the restarted process was ready. It
// asserts completion only: the figures depend on the machine.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Order } from './api-shapes.js';
import { mailsTo, preferences, registerSku, subscribe } from './notifications-support.js';
import { command, SteadyLoad } from './steady-load.js';
import { contextEvents, eventually, http, startTestSystem, type TestSystem } from './test-system.js';

/** Killed in turn; each one's crash is recovered from before the next. */
const VICTIMS = ['orders', 'inventory', 'relay-inventory', 'notifier'] as const;
const LOAD_PER_SECOND = 30;
/** Orders placed over the second before each kill. */
const PROBE_ORDERS = 10;
const LOAD_SKUS = ['REC-A', 'REC-B'];
/** Generous: a wait this long is a failure to recover, not a slow recovery. */
const RECOVERY_TIMEOUT_MS = 180_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('recovery after a crash, under load', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    // The standalone relays (ADR 0043), so that the relay's own crash is one of the victims and that
    // topology runs end to end here; every other system test runs the relays in their services.
    sys = await startTestSystem({ relays: 'standalone' });
  }, 180_000);
  afterAll(async () => {
    await sys?.stop();
  });

  /** Where an order's time went: each event of its saga, in both logs, from `from` (read through the port, on either log). */
  const timeline = async (orderId: string, from: number): Promise<string> => {
    const orders = await contextEvents(sys, 'orders');
    const correlationId = orders.find((e) => e.streamId === `order-${orderId}`)?.correlationId;
    const events = [...orders, ...(await contextEvents(sys, 'inventory'))].filter((e) => e.correlationId === correlationId);
    return events
      .map((e) => ({ type: e.type, at: Date.parse(e.occurredAt) }))
      .sort((a, b) => a.at - b.at)
      .map((e) => `${e.type} ${e.at - from >= 0 ? '+' : ''}${e.at - from}`)
      .join(', ');
  };

  it('the orders and the restock accepted just before each crash complete once the process is back', async () => {
    const inventory = sys.url('inventory');
    for (const sku of LOAD_SKUS) {
      expect((await http('POST', `${inventory}/skus`, { sku, name: `Load ${sku}`, lowStockThreshold: 0 })).status).toBe(201);
      expect((await http('POST', `${inventory}/skus/${sku}/receipts`, { quantity: 100_000 })).status).toBe(200);
    }
    for (const victim of VICTIMS) {
      expect((await http('POST', `${inventory}/skus`, { sku: `REC-PROBE-${victim}`, name: 'Probe', lowStockThreshold: 0 })).status).toBe(201);
      expect((await http('POST', `${inventory}/skus/REC-PROBE-${victim}/receipts`, { quantity: 100 })).status).toBe(200);
      await registerSku(sys, `REC-BACK-${victim}`, 'Probe restock');
      await preferences(sys, `rec-${victim}`, { email: `rec-${victim}@recovery.example`, channels: { email: true, sms: false, web: false } });
      await subscribe(sys, `rec-${victim}`, `REC-BACK-${victim}`);
    }

    // Orders and receipts; what is sent to a process while it is down simply fails.
    const load = new SteadyLoad(LOAD_PER_SECOND, async (i, record) => {
      const sku = LOAD_SKUS[i % LOAD_SKUS.length]!;
      if (i % 4 < 3) record(await command('order', sku, 'POST', `${sys.url('orders')}/orders`, { customerId: `rec-c${i % 20}`, lines: [{ sku, quantity: 1 }] }));
      else record(await command('receipt', sku, 'POST', `${inventory}/skus/${sku}/receipts`, { quantity: 1 }));
    });
    load.start();
    await sleep(3_000);

    const figures: string[] = [];
    for (const victim of VICTIMS) {
      // Around the crash: orders placed over the last second before the kill (some still in the
      // victim's hands when it dies, whatever it is), and a restock from zero just before it.
      const probeOrders: string[] = [];
      for (let i = 0; i < PROBE_ORDERS; i++) {
        const placed = await http<{ orderId: string }>('POST', `${sys.url('orders')}/orders`, { customerId: `rec-${victim}`, lines: [{ sku: `REC-PROBE-${victim}`, quantity: 1 }] });
        expect(placed.status).toBe(202);
        probeOrders.push(placed.body.orderId);
        if (i === PROBE_ORDERS - 3) expect((await http('POST', `${inventory}/skus/REC-BACK-${victim}/receipts`, { quantity: 1 })).status).toBe(200);
        await sleep(1000 / PROBE_ORDERS);
      }
      await sys.system.kill(victim, 'SIGKILL');
      const killedAt = Date.now();
      await sys.system.restart(victim);
      await eventually(() => http('GET', `${sys.url(victim)}/health/ready`).then((r) => r.status), (s) => s === 200, 60_000, `${victim} ready again`);
      const readyAt = Date.now();

      // Completion is awaited through the API; the figures come from when it happened (the log's
      // OrderConfirmed, the sink's receipt), 0 when it happened before the process was ready.
      await eventually(
        () => Promise.all(probeOrders.map((id) => http<Order>('GET', `${sys.url('orders')}/orders/${id}`).then((r) => r.body.status))),
        (statuses) => statuses.every((s) => s === 'confirmed'),
        RECOVERY_TIMEOUT_MS,
        `the orders placed before ${victim}'s crash to be confirmed`,
      );
      const [mail] = await eventually(() => mailsTo(sys, `rec-${victim}@recovery.example`), (m) => m.length >= 1, RECOVERY_TIMEOUT_MS, `the restock before ${victim}'s crash to be notified`);
      const probes = new Set(probeOrders.map((id) => `order-${id}`));
      const confirmed = (await contextEvents(sys, 'orders'))
        .filter((e) => e.type === 'OrderConfirmed' && probes.has(e.streamId))
        .sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt));
      expect(confirmed).toHaveLength(PROBE_ORDERS);
      const slowest = confirmed[0]!.streamId.slice('order-'.length);
      const confirmedMs = Math.max(0, Date.parse(confirmed[0]!.occurredAt) - readyAt);
      const notifiedMs = Math.max(0, Date.parse(mail!.receivedAt) - readyAt);
      figures.push(
        `  ${victim}: ready ${readyAt - killedAt} ms after the kill; from then → the last of ${PROBE_ORDERS} orders confirmed ${confirmedMs} ms, → the notification ${notifiedMs} ms`,
        `    the slowest order's events (ms from ready): ${await timeline(slowest, readyAt)}`,
      );
      await sleep(2_000);
    }
    await load.stop();

    // Exactly one notification per probe restock, whatever was redone after the crashes.
    await sleep(2_000);
    for (const victim of VICTIMS) expect(await mailsTo(sys, `rec-${victim}@recovery.example`)).toHaveLength(1);
    const ordersPlaced = load.outcomes.filter((o) => o.kind === 'order' && o.status === 202).length;
    console.log([`recovery test: SIGKILL under ${LOAD_PER_SECOND} commands/s (${ordersPlaced} orders accepted); from the restarted process ready (0: done before):`, ...figures].join('\n'));
  }, 900_000);
});
