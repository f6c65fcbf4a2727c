import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, sleep } from '@stockflow/testing';
import { startNotifierHarness, type NotifierHarness } from '../testing/notifier-harness.js';

describe('notifier: back-in-stock fairness', () => {
  let h: NotifierHarness;

  beforeAll(async () => {
    h = await startNotifierHarness();
  }, 90_000);
  afterAll(async () => {
    await h?.stop();
  });

  /** `n` web-only back-in-stock subscribers of `sku`, in subscription order. */
  async function queue(sku: string, n: number): Promise<string[]> {
    const customers: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `${sku.toLowerCase()}-c${String(i).padStart(3, '0')}`;
      const created = await h.api('POST', '/subscriptions', { customerId: id, sku });
      expect(created.status).toBe(201);
      customers.push(id);
    }
    return customers;
  }

  async function told(sku: string): Promise<string[]> {
    const rows = await h.query<{ customer_id: string }>(`SELECT customer_id FROM $schema.inbox WHERE sku = $1 ORDER BY customer_id`, [sku]);
    return rows.map((r) => r.customer_id);
  }

  async function statuses(sku: string): Promise<Record<string, number>> {
    const rows = await h.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM $schema.subscriptions WHERE sku = $1 GROUP BY status`, [sku]);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  it('10 units, 30 subscribers: the first 10 by subscription time are told (in waves), the other 20 keep waiting', async () => {
    await h.startNotifier({ WAVE_SIZE: 4 });
    try {
      const customers = await queue('FAIR-1', 30);
      await h.restock('FAIR-1', 10);
      await eventually(() => told('FAIR-1'), (t) => t.length >= 10, 10_000, '10 told');
      await sleep(1000);
      expect(await told('FAIR-1')).toEqual(customers.slice(0, 10));
      expect(await statuses('FAIR-1')).toEqual({ fulfilled: 10, active: 20 });
      // Wave 1 in the BackInStock transaction; wave 2 in parallel slices of at most WAVE_SIZE.
      const waves = await h.query<{ wave: number; slice: number; picked: number }>(`SELECT wave, slice, picked FROM $schema.restock_waves ORDER BY wave, slice`);
      expect(waves.map((w) => [w.wave, w.slice, w.picked])).toEqual([
        [1, 1, 4],
        [2, 1, 4],
        [2, 2, 2],
      ]);
      const [restock] = await h.query<{ status: string; notified: number }>(`SELECT status, notified FROM $schema.restocks WHERE sku = 'FAIR-1'`);
      expect(restock).toMatchObject({ status: 'open', notified: 10 });

      // Sold out: the restock ends; the next restock from 0 tells the next in the queue.
      await h.publish('OutOfStock', { sku: 'FAIR-1' });
      await eventually(() => h.query<{ status: string }>(`SELECT status FROM $schema.restocks WHERE sku = 'FAIR-1' AND kind = 'back-in-stock'`), (r) => r[0]?.status === 'done', 5_000, 'closed');
      await h.restock('FAIR-1', 5);
      await eventually(() => told('FAIR-1'), (t) => t.length >= 15, 10_000, '15 told');
      await sleep(500);
      expect(await told('FAIR-1')).toEqual(customers.slice(0, 15));
    } finally {
      await h.stopNotifier();
    }
  });

  it('stock is re-checked before each wave: units taken meanwhile are not offered', async () => {
    await h.startNotifier({ WAVE_SIZE: 4 });
    try {
      const customers = await queue('FAIR-2', 12);
      // The event says 10; by the second wave inventory has 5 (someone else bought 5).
      h.stock.set('FAIR-2', 5);
      await h.publish('StockLevelChanged', { sku: 'FAIR-2', onHand: 10, reserved: 0, available: 10 });
      await h.publish('BackInStock', { sku: 'FAIR-2', available: 10 });
      await eventually(() => told('FAIR-2'), (t) => t.length >= 5, 10_000, '5 told');
      await sleep(1000);
      // Wave 1: 4 (the event's figure, fresh); wave 2: 5 in stock − 4 held by live offers = 1.
      expect(await told('FAIR-2')).toEqual(customers.slice(0, 5));
    } finally {
      await h.stopNotifier();
    }
  });

  it('an old BackInStock (the notifier was behind) is re-checked before its first wave', async () => {
    await h.startNotifier({ WAVE_SIZE: 100 });
    try {
      const customers = await queue('FAIR-3', 8);
      h.stock.set('FAIR-3', 3);
      await h.publish('BackInStock', { sku: 'FAIR-3', available: 8 }, { occurredAt: new Date(Date.now() - 60_000) });
      await eventually(() => told('FAIR-3'), (t) => t.length >= 3, 10_000, '3 told');
      await sleep(800);
      expect(await told('FAIR-3')).toEqual(customers.slice(0, 3));
    } finally {
      await h.stopNotifier();
    }
  });

  it('offers lapse: units still there after OFFER_WINDOW_MS go to the next in the queue', async () => {
    await h.startNotifier({ WAVE_SIZE: 100, OFFER_WINDOW_MS: 1_500 });
    try {
      const customers = await queue('FAIR-4', 7);
      await h.restock('FAIR-4', 3);
      await eventually(() => told('FAIR-4'), (t) => t.length >= 3, 10_000, '3 told');
      expect(await told('FAIR-4')).toEqual(customers.slice(0, 3));
      // Nobody bought: after the window the next 3 are told.
      await eventually(() => told('FAIR-4'), (t) => t.length >= 6, 10_000, '6 told');
      expect(await told('FAIR-4')).toEqual(customers.slice(0, 6));
      // Two were bought: one unit left, one more offer after the next window.
      h.stock.set('FAIR-4', 1);
      await eventually(() => told('FAIR-4'), (t) => t.length >= 7, 10_000, '7 told');
      await sleep(2_000);
      expect(await told('FAIR-4')).toEqual(customers);
      const [restock] = await h.query<{ status: string; closed_by: string }>(`SELECT status, closed_by FROM $schema.restocks WHERE sku = 'FAIR-4'`);
      expect(restock).toEqual({ status: 'done', closed_by: 'no one else waiting' });
    } finally {
      await h.stopNotifier();
    }
  });

  it('customers who can be told nowhere do not use up units; cancelled subscriptions are skipped', async () => {
    await h.startNotifier({ WAVE_SIZE: 100 });
    try {
      const customers = await queue('FAIR-5', 5);
      expect((await h.api('PUT', `/customers/${customers[0]}/preferences`, { channels: { email: false, sms: false, web: false } })).status).toBe(200);
      const subs = await h.api<{ items: { subscriptionId: string }[] }>('GET', `/customers/${customers[1]}/subscriptions`);
      expect((await h.api('DELETE', `/subscriptions/${subs.body.items[0]!.subscriptionId}`)).status).toBe(204);
      await h.restock('FAIR-5', 2);
      await eventually(() => told('FAIR-5'), (t) => t.length >= 2, 10_000, '2 told');
      await sleep(500);
      expect(await told('FAIR-5')).toEqual([customers[2], customers[3]]);
      expect(await statuses('FAIR-5')).toEqual({ fulfilled: 3, cancelled: 1, active: 1 });
    } finally {
      await h.stopNotifier();
    }
  });
});
