// The dashboard end to end in headless Chromium (Debian's package, driven by playwright-core; no
// browser download): a restock through the inventory API shows on the page within 1 s, live.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, dropSchema } from '@stockflow/postgres';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { WRITE_SIDE, eventually, http, startTestSystem, workspaceRoot, type TestSystem } from './test-system.js';

describe('dashboard', () => {
  let sys: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    sys = await startTestSystem({ only: [...WRITE_SIDE, 'projections', 'dashboard'] });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
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

  it('shows a restock within 1 s without a reload', async () => {
    const inventory = sys.url('inventory');
    expect((await http('POST', `${inventory}/skus`, { sku: 'DASH-1', name: 'Dashboard lamp', lowStockThreshold: 3 })).status).toBe(201);
    expect((await http('POST', `${inventory}/skus/DASH-1/receipts`, { quantity: 2 })).status).toBe(200);
    await eventually(() => http<{ onHand: number }>('GET', `${sys.url('projections')}/views/stock/DASH-1`), (r) => r.body?.onHand === 2, 20_000, 'the stock view');

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(sys.url('dashboard'));
    const row = page.locator('tr[data-sku="DASH-1"]');
    await row.locator('.onhand', { hasText: '2' }).waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('data-status')).toBe('low_stock');
    await page.locator('#conn.on').waitFor({ timeout: 10_000 });

    const sent = Date.now();
    expect((await http('POST', `${inventory}/skus/DASH-1/receipts`, { quantity: 10 })).status).toBe(200);
    await row.locator('.onhand', { hasText: '12' }).waitFor({ timeout: 1000 });
    const elapsed = Date.now() - sent;
    expect(elapsed).toBeLessThan(1000);
    expect(await row.getAttribute('data-status')).toBe('in_stock');

    // Lag and dead letters come from the processes' /metrics.
    await page.locator('#lag tbody tr').first().waitFor({ timeout: 5000 });
    const artifacts = resolve(workspaceRoot, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: resolve(artifacts, 'dashboard.png'), fullPage: true });
    console.log(`dashboard showed the restock ${elapsed} ms after the API call`);
  });
});
