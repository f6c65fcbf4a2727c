// The dashboard end to end in headless Chromium (Debian's package, driven by playwright-core; no
// browser download): a restock through the inventory API shows on the page within 1 s, live, and
// the notifications it triggers show in the deliveries-per-channel panel.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, dropSchema } from '@stockflow/postgres';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser/launch-chromium.js';
import { preferences, subscribe } from './notifications-support.js';
import { WRITE_SIDE, eventually, http, startTestSystem, workspaceRoot, type TestSystem } from './test-system.js';

describe('dashboard', () => {
  let sys: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    sys = await startTestSystem({
      only: [...WRITE_SIDE, 'relay-notifications', 'notifications', 'notifier', 'mail-sink', 'sms-sink', 'projections', 'dashboard'],
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
