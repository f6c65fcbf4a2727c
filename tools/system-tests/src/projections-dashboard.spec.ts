// The dashboard end to end in headless Chromium (Debian's package, driven by playwright-core; no
// browser download): a restock through the inventory API shows on the page within 1 s, live, and
// the notifications it triggers show in the deliveries-per-channel panel.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, dropSchema } from '@stockflow/postgres';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { jetstream } from '@nats-io/jetstream';
import { contextSubjectPrefix } from '@stockflow/contracts';
import { connectNats } from '@stockflow/messaging';
import { launchChromium } from './browser/launch-chromium.js';
import { preferences, subscribe } from './notifications-support.js';
import { WRITE_SIDE, eventually, http, startTestSystem, workspaceRoot, type TestSystem } from './test-system.js';

describe('dashboard', () => {
  let sys: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    sys = await startTestSystem({
      only: [...WRITE_SIDE, 'notifications', 'notifier', 'mail-sink', 'sms-sink', 'projections', 'dashboard'],
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
    if (sys) {
      const pool = createPool({ max: 1 });
      await dropSchema(pool, `${sys.schemaPrefix}_projections`);
      await pool.end();
    }
  });

  it('shows a restock without a reload, and reports how fast', async () => {
    const inventory = sys.url('inventory');
    expect((await http('POST', `${inventory}/skus`, { sku: 'DASH-1', name: 'Dashboard lamp', lowStockThreshold: 3 })).status).toBe(201);
    // A customer waits for it on email and web: the first receipt (from 0) notifies them.
    await preferences(sys, 'dash-customer', { email: 'dash@example.com', channels: { email: true, sms: false, web: true } });
    await subscribe(sys, 'dash-customer', 'DASH-1');
    expect((await http('POST', `${inventory}/skus/DASH-1/receipts`, { quantity: 2 })).status).toBe(200);
    await eventually(() => http<{ onHand: number }>('GET', `${sys.url('projections')}/views/stock/DASH-1`), (r) => r.body?.onHand === 2, 20_000, 'the stock view');

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(sys.url('dashboard'));
    const row = page.locator('tr[data-sku="DASH-1"]');
    await row.locator('.onhand', { hasText: '2' }).waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('data-status')).toBe('low-stock');
    await page.locator('#conn.on').waitFor({ timeout: 10_000 });

    const sent = Date.now();
    expect((await http('POST', `${inventory}/skus/DASH-1/receipts`, { quantity: 10 })).status).toBe(200);
    // The promise is well under a second; the figure is reported, not asserted, so a slow machine cannot fail it.
    await row.locator('.onhand', { hasText: '12' }).waitFor({ timeout: 15_000 });
    const elapsed = Date.now() - sent;
    expect(await row.getAttribute('data-status')).toBe('in-stock');

    // The notifications of the first receipt, one per chosen channel, in the deliveries panel.
    for (const channel of ['email', 'web']) {
      await page.locator(`#deliveries tr[data-channel="${channel}"] .delivered`, { hasText: '1' }).waitFor({ timeout: 20_000 });
    }
    expect(await page.locator('#deliveries tr[data-channel="sms"] .delivered').textContent()).toBe('0');
    expect(await page.locator('#deliveries tr[data-channel="web"] .latency').textContent()).toMatch(/^\d+ ms$/);

    // Lag and dead letters come from the processes' /metrics.
    await page.locator('#lag tbody tr').first().waitFor({ timeout: 5000 });
    const artifacts = resolve(workspaceRoot, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: resolve(artifacts, 'dashboard.png'), fullPage: true });
    console.log(`dashboard showed the restock ${elapsed} ms after the API call`);
  });

  it('at the scale of a shop: a thousand SKUs, one screen of stock rows, search, a SKU\'s detail, and a restock of an out-of-stock SKU in the attention list — all at 1366×768', async () => {
    const inventory = sys.url('inventory');
    const N = 1000;
    const sku = (i: number): string => `SCALE-${String(i).padStart(4, '0')}`;
    const seeded = Date.now();
    // Every tenth out of stock, every tenth but one low (2 of threshold 3), the rest in stock.
    for (let i = 0; i < N; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async (_, k) => {
          const n = i + k;
          expect((await http('POST', `${inventory}/skus`, { sku: sku(n), name: `Scale item ${n}`, lowStockThreshold: 3 })).status).toBe(201);
          if (n % 10 !== 0) expect((await http('POST', `${inventory}/skus/${sku(n)}/receipts`, { quantity: n % 10 === 1 ? 2 : 20 })).status).toBe(200);
        }),
      );
    }
    // Sold out last: it heads the attention list.
    expect((await http('POST', `${inventory}/skus`, { sku: 'SCALE-TARGET', name: 'Sold-out lamp', lowStockThreshold: 3 })).status).toBe(201);
    await eventually(() => http<{ stock: Record<string, number> }>('GET', `${sys.url('projections')}/views/summary`), (r) => Object.values(r.body?.stock ?? {}).reduce((a, b) => a + b, 0) >= N + 1, 60_000, 'every SKU projected');
    await eventually(() => http('GET', `${sys.url('projections')}/views/stock/SCALE-TARGET`), (r) => r.status === 200, 20_000, 'the target projected');
    console.log(`dashboard scale: ${N + 1} SKUs seeded and projected in ${Date.now() - seeded} ms`);

    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const artifacts = resolve(workspaceRoot, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.goto(sys.url('dashboard'));
    await page.locator('#conn.on').waitFor({ timeout: 10_000 });
    const target = page.locator('#stock tbody tr[data-sku="SCALE-TARGET"]');
    await target.waitFor({ timeout: 10_000 });
    expect(await target.getAttribute('data-status')).toBe('out-of-stock');

    // One screen: a page of stock rows, and the flow's health, the charts and the stock all above the fold.
    const rows = await page.locator('#stock tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(10);
    for (const selector of ['.kpis', '.charts', '#stock-card', '#dlq-card']) {
      const box = await page.locator(selector).boundingBox();
      expect([selector, box!.y + box!.height <= 768]).toEqual([selector, true]);
    }
    await page.locator('#kpi-commands', { hasText: /\d/ }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: resolve(artifacts, 'dashboard-attention-1366x768.png') });

    // Paging through what needs attention, never the whole table at once.
    await page.click('#next');
    await page.locator('#page-label', { hasText: 'page 2' }).waitFor({ timeout: 5_000 });
    expect(await page.locator('#stock tbody tr').count()).toBeLessThanOrEqual(10);
    expect(await target.count()).toBe(0);
    await page.click('#prev');
    await target.waitFor({ timeout: 5_000 });

    // Search by SKU: the figure is reported (the promise is 1 s), not asserted.
    const searchStarted = Date.now();
    await page.fill('#search', 'SCALE-0421');
    const found = page.locator('#stock tbody tr[data-sku="SCALE-0421"]');
    await found.waitFor({ timeout: 10_000 });
    const searchMs = Date.now() - searchStarted;
    expect(await page.locator('#stock tbody tr').count()).toBe(1);
    // …and by name.
    await page.fill('#search', 'sold-out lamp');
    await page.locator('#stock tbody tr[data-sku="SCALE-TARGET"]').waitFor({ timeout: 10_000 });
    await page.fill('#search', 'SCALE-0421');
    await found.waitFor({ timeout: 10_000 });

    // A SKU's detail, one click away.
    await found.click();
    await page.locator('#detail[data-sku="SCALE-0421"] #detail-body').waitFor({ timeout: 10_000 });
    expect(await page.locator('#detail-onhand').textContent()).toBe('2');
    expect(await page.locator('#detail-events li').allTextContents()).toEqual([expect.stringContaining('back in stock (2 available)'), expect.stringContaining('received 2'), expect.stringContaining('registered')]);
    await page.screenshot({ path: resolve(artifacts, 'dashboard-search-detail-1366x768.png') });

    // Back to what needs attention; the out-of-stock SKU is restocked and shows so, live.
    await page.fill('#search', '');
    await target.waitFor({ timeout: 10_000 });
    const restocked = Date.now();
    expect((await http('POST', `${inventory}/skus/SCALE-TARGET/receipts`, { quantity: 5 })).status).toBe(200);
    await page.locator('#stock tbody tr[data-sku="SCALE-TARGET"][data-status="in-stock"]').waitFor({ timeout: 15_000 });
    const restockMs = Date.now() - restocked;
    expect(await page.locator('#stock tbody tr').first().getAttribute('data-sku')).toBe('SCALE-TARGET');
    await page.screenshot({ path: resolve(artifacts, 'dashboard-restock-1366x768.png') });

    // A message on inventory's stream that no relay published: both projections of it give it up, and the page lists them.
    const nc = await connectNats({ name: 'dashboard-spec' });
    try {
      await jetstream(nc).publish(`${contextSubjectPrefix('inventory', { namespace: sys.namespace })}.sku.StockLevelChanged`, '{not json');
    } finally {
      await nc.close();
    }
    const dead = page.locator('#dlq tbody tr[data-consumer="projections-stock"]');
    await dead.waitFor({ timeout: 20_000 });
    expect(await dead.locator('td').allTextContents()).toEqual(['projections-stock', '1', 'not-relayed', expect.stringMatching(/ago$/), expect.stringMatching(/ago$/), 'rebuild']);
    await page.locator('#dead-letters', { hasText: /^[1-9]\d*$/ }).waitFor({ timeout: 10_000 });
    // The notifier gave it up too; its dead letters can be sent back (the CLI's replay, ADR 0036). Still
    // not relayed, the replayed message is given up again, with its reason: nothing lost, nothing hidden.
    const notifier = page.locator('#dlq tbody tr[data-consumer="notifier-inventory"]');
    await notifier.waitFor({ timeout: 20_000 });
    const before = await http<{ items: Array<{ consumer: string; count: number; firstSeenAt: string }> }>('GET', `${sys.url('projections')}/views/dead-letters`);
    const firstSeen = before.body.items.find((d) => d.consumer === 'notifier-inventory')!.firstSeenAt;
    const count = before.body.items.find((d) => d.consumer === 'notifier-inventory')!.count;
    await notifier.locator('button', { hasText: 'replay' }).click();
    const status = page.locator('#dlq-status', { hasText: 'notifier-inventory' });
    await status.waitFor({ timeout: 10_000 });
    expect(await status.textContent()).toBe(`replayed ${count} dead letter(s) to notifier-inventory`);
    await eventually(
      () => http<{ items: Array<{ consumer: string; count: number; firstSeenAt: string; lastReason: string }> }>('GET', `${sys.url('projections')}/views/dead-letters`),
      (r) => r.body.items.some((d) => d.consumer === 'notifier-inventory' && d.count === count && d.firstSeenAt > firstSeen && d.lastReason === 'not-relayed'),
      20_000,
      'the replayed message given up again by the notifier',
    );
    console.log(`dashboard scale: search found a SKU among ${N + 1} in ${searchMs} ms; a restock of an out-of-stock SKU showed in the attention list ${restockMs} ms after the API call`);
    await page.close();
  }, 240_000);

  it('answers health and Prometheus metrics like every other process', async () => {
    const dashboard = sys.url('dashboard');
    expect((await http<{ status: string }>('GET', `${dashboard}/health/live`)).body.status).toBe('ok');
    const ready = await http<{ status: string; details: { projections: { status: string } } }>('GET', `${dashboard}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.details.projections.status).toBe('up');
    await http('GET', `${dashboard}/api/health`);
    const text = await (await fetch(`${dashboard}/metrics`)).text();
    expect(text).toMatch(/^dashboard_projections_up\{service="dashboard"\} 1$/m);
    expect(text).toMatch(/^dashboard_target_up\{target="projections",service="dashboard"\} 1$/m);
    expect(text).toMatch(/^http_requests_total\{route="\/health\/ready",status="200",service="dashboard"\} 1$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="dashboard"\} [\d.e-]+$/m);

    // Without the projections service the page has nothing to show: not ready.
    await sys.system.kill('projections', 'SIGKILL');
    const down = await eventually(() => http<{ status: string }>('GET', `${dashboard}/health/ready`), (r) => r.status === 503, 10_000, 'not ready');
    expect(down.body.status).toBe('error');
  });
});
