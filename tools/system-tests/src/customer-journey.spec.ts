// A customer's journey through the whole system, started as `npm start` starts it (every service,
// relay, the notifier, projections, the dashboard and the mail and SMS sinks) and driven through REST
// only: a SKU registered with no stock; a customer with email, SMS and web preferences subscribes to
// it; the restock reaches them on all three channels; they fill a cart and check out; the order is
// confirmed, the stock reserved, and the read models and the dashboard (headless Chromium) show it; a
// second customer's order for more than remains is rejected. Then everything is stopped and no
// process of the run may be left, nor any of its ports taken.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SMS_SINK_ACCOUNTS } from '@stockflow/system-launcher';
import { confirmContacts } from '@stockflow/testing';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser/launch-chromium.js';
import { canBind, childrenOf, isAlive, listeningPortsOf, portsOf, processesOfRun, stillListening, type RunProcess } from './journey-support.js';
import { mailsTo, openStream, smsTo, type Sse } from './notifications-support.js';
import { eventually, http, listAll, startTestSystem, workspaceRoot, type TestSystem } from './test-system.js';
import type { Order, Sku } from './api-shapes.js';

interface Cart {
  cartId: string;
  customerId: string;
  status: 'open' | 'checked-out';
  lines: { sku: string; quantity: number }[];
  orderId: string | null;
}
interface StockView extends Sku {
  name: string;
  status: 'in-stock' | 'low-stock' | 'out-of-stock';
}
interface OrderSummary {
  orderId: string;
  customerId: string;
  status: Order['status'];
  lines: { sku: string; quantity: number }[];
  totalQuantity: number;
  cartId: string | null;
  reason: string | null;
}
interface CartViewRow {
  cartId: string;
  customerId: string;
  status: 'open' | 'checked-out';
  lines: { sku: string; quantity: number }[];
  orderId: string | null;
}
interface InboxItem {
  notificationId: number;
  sku: string;
  kind: string;
  title: string;
}

/** How long one asynchronous hop chain may take on a loaded two-core machine. */
const SETTLE_MS = 30_000;

const LAMP = { sku: 'JRN-LAMP', name: 'Journey desk lamp', lowStockThreshold: 2 };
const BULB = { sku: 'JRN-BULB', name: 'Journey bulb', lowStockThreshold: 0 };
const ADA = { id: 'journey-ada', email: 'ada.journey@example.com', phone: '+4915170000042' };
const BO = { id: 'journey-bo' };

describe('customer journey on the whole system, through REST', () => {
  let sys: TestSystem;
  let started: RunProcess[] = [];
  /** Children this test process already had (another spec's, if any): not this run's to answer for. */
  let earlierChildren = new Set<number>();
  let stream: Sse | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let browserPids: number[] = [];
  let stopped = false;
  // Carried from step to step.
  let adaCart = '';
  let adaOrder = '';
  let boOrder = '';

  const url = (name: string, path: string): string => `${sys.url(name)}${path}`;
  const inventorySku = (sku: string): Promise<Sku> => http<Sku>('GET', url('inventory', `/skus/${sku}`)).then((r) => r.body);
  const order = (id: string): Promise<Order> => http<Order>('GET', url('orders', `/orders/${id}`)).then((r) => r.body);
  const stockView = (sku: string) => http<StockView>('GET', url('projections', `/views/stock/${sku}`));
  const inbox = (customer: string) => listAll<InboxItem>(url('notifications', `/customers/${customer}/notifications`)).then((items) => ({ body: items }));
  const register = async (sku: { sku: string; name: string; lowStockThreshold: number }): Promise<void> => {
    expect((await http('POST', url('inventory', '/skus'), sku)).status).toBe(201);
  };
  const receive = async (sku: string, quantity: number): Promise<void> => {
    expect((await http('POST', url('inventory', `/skus/${sku}/receipts`), { quantity })).status).toBe(200);
  };
  const fillCart = async (customerId: string, lines: readonly [string, number][]): Promise<string> => {
    const cart = await http<{ cartId: string }>('POST', url('carts', '/carts'), { customerId });
    expect(cart.status).toBe(201);
    for (const [sku, quantity] of lines) expect((await http('PUT', url('carts', `/carts/${cart.body.cartId}/lines/${sku}`), { quantity })).status).toBe(200);
    return cart.body.cartId;
  };
  const checkout = async (cartId: string): Promise<string> => {
    const response = await http<{ orderId: string }>('POST', url('carts', `/carts/${cartId}/checkout`));
    expect(response.status).toBe(202);
    expect(response.body.orderId).toEqual(expect.any(String));
    return response.body.orderId;
  };

  beforeAll(async () => {
    earlierChildren = new Set(childrenOf(process.pid).map((c) => c.pid));
    sys = await startTestSystem();
    started = processesOfRun(sys.namespace, sys.system.specs);
  }, 180_000);

  afterAll(async () => {
    // Only when a step failed before the last one: leave nothing behind either way.
    stream?.close();
    await browser?.close();
    if (!stopped) await sys?.stop();
  }, 60_000);

  it('runs every process of the manifest, each as a child of this test listening on its ports', () => {
    const names = sys.system.specs.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['mail-sink', 'sms-sink', 'orders', 'inventory', 'carts', 'notifications', 'notifier', 'projections', 'dashboard']));
    expect(started.map((p) => p.name).sort()).toEqual([...names].sort());
    for (const p of started) {
      expect(p.ppid).toBe(process.pid);
      const spec = sys.system.spec(p.name!);
      expect({ name: p.name, ports: listeningPortsOf(p.pid) }).toEqual({ name: p.name, ports: expect.arrayContaining(portsOf(spec)) });
    }
  });

  it('registers a SKU with no stock', async () => {
    await register(LAMP);
    expect(await inventorySku(LAMP.sku)).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
    const view = await eventually(() => stockView(LAMP.sku), (r) => r.status === 200, SETTLE_MS, 'the stock view of the new SKU');
    expect(view.body).toMatchObject({ sku: LAMP.sku, name: LAMP.name, onHand: 0, reserved: 0, available: 0, status: 'out-of-stock' });
  });

  it('lets a customer set email, SMS and web preferences and subscribe to the SKU', async () => {
    const put = await http('PUT', url('notifications', `/customers/${ADA.id}/preferences`), {
      email: ADA.email,
      phone: ADA.phone,
      locale: 'en',
      timeZone: 'Europe/Berlin',
      channels: { email: true, sms: true, web: true },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ confirmed: { email: false, sms: false } });
    // The codes arrive by email and SMS; Ada types them in (ADR 0028: nothing is sent to an unconfirmed contact).
    await confirmContacts(
      { notificationsUrl: sys.url('notifications'), mailSinkUrl: sys.url('mail-sink'), smsSinkUrl: sys.url('sms-sink') },
      ADA.id,
      { email: ADA.email, phone: ADA.phone, channels: { email: true, sms: true } },
    );
    const prefs = await http<{ email: string; phone: string; channels: Record<string, boolean>; quietHours: unknown }>('GET', url('notifications', `/customers/${ADA.id}/preferences`));
    expect(prefs.body).toMatchObject({ email: ADA.email, phone: ADA.phone, channels: { email: true, sms: true, web: true }, quietHours: null, confirmed: { email: true, sms: true } });

    const subscribed = await http<{ subscriptionId: string }>('POST', url('notifications', '/subscriptions'), { customerId: ADA.id, sku: LAMP.sku, kind: 'back-in-stock' });
    expect(subscribed.status).toBe(201);
    const subscription = await http<{ status: string; sku: string }>('GET', url('notifications', `/subscriptions/${subscribed.body.subscriptionId}`));
    expect(subscription.body).toMatchObject({ sku: LAMP.sku, status: 'active' });
  });

  it('tells the customer of the restock by email, SMS and on the live web stream', async () => {
    stream = await openStream(sys, ADA.id);
    await receive(LAMP.sku, 5);

    const [mail] = await eventually(() => mailsTo(sys, ADA.email), (m) => m.length >= 1, SETTLE_MS, 'the email in the mail sink');
    const [sms] = await eventually(() => smsTo(sys, ADA.phone), (m) => m.length >= 1, SETTLE_MS, 'the SMS in the SMS sink');
    await eventually(async () => stream!.events.length, (n) => n >= 1, SETTLE_MS, 'the event on the SSE stream');
    const items = await eventually(() => inbox(ADA.id), (r) => r.body.length >= 1, SETTLE_MS, 'the web inbox row');

    expect(mail).toMatchObject({ to: [ADA.email], subject: `${LAMP.name} is back in stock` });
    expect(mail!.text).toContain('5 units available');
    expect(sms).toMatchObject({ to: ADA.phone, accountSid: SMS_SINK_ACCOUNTS.primary });
    expect(sms!.body).toContain(`${LAMP.name} is back in stock`);
    expect(stream.events[0]!.data).toMatchObject({ sku: LAMP.sku, kind: 'back-in-stock', title: `${LAMP.name} is back in stock` });
    expect(items.body[0]).toMatchObject({ sku: LAMP.sku, kind: 'back-in-stock' });
    expect(Number(stream.events[0]!.id)).toBe(items.body[0]!.notificationId);
    const subscriptions = await listAll<{ sku: string; status: string }>(url('notifications', `/customers/${ADA.id}/subscriptions`));
    expect(subscriptions).toEqual([expect.objectContaining({ sku: LAMP.sku, status: 'fulfilled' })]);
  });

  it('fills a cart and checks it out', async () => {
    await register(BULB);
    await receive(BULB.sku, 10);
    // Lines set, changed and removed before the checkout.
    adaCart = await fillCart(ADA.id, [
      [LAMP.sku, 1],
      [BULB.sku, 1],
      [LAMP.sku, 3],
      [BULB.sku, 2],
    ]);
    const open = await http<Cart>('GET', url('carts', `/carts/${adaCart}`));
    expect(open.body).toMatchObject({ customerId: ADA.id, status: 'open', orderId: null });
    expect([...open.body.lines].sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([
      { sku: BULB.sku, quantity: 2 },
      { sku: LAMP.sku, quantity: 3 },
    ]);
    adaOrder = await checkout(adaCart);
    const closed = await http<Cart>('GET', url('carts', `/carts/${adaCart}`));
    expect(closed.body).toMatchObject({ status: 'checked-out', orderId: adaOrder });
  });

  it('confirms the order and reserves the stock', async () => {
    const confirmed = await eventually(() => order(adaOrder), (o) => o?.status === 'confirmed', SETTLE_MS, 'the order to be confirmed');
    expect(confirmed).toMatchObject({ orderId: adaOrder, customerId: ADA.id });
    expect([...confirmed.lines].sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([
      { sku: BULB.sku, quantity: 2 },
      { sku: LAMP.sku, quantity: 3 },
    ]);
    expect(await inventorySku(LAMP.sku)).toMatchObject({ onHand: 5, reserved: 3, available: 2 });
    expect(await inventorySku(BULB.sku)).toMatchObject({ onHand: 10, reserved: 2, available: 8 });
  });

  it('shows it in the read models: stock, the customer order summary and the cart', async () => {
    const lamp = await eventually(() => stockView(LAMP.sku), (r) => r.body?.reserved === 3, SETTLE_MS, 'the lamp stock view');
    expect(lamp.body).toMatchObject({ onHand: 5, reserved: 3, available: 2, status: 'low-stock' });
    const bulb = await eventually(() => stockView(BULB.sku), (r) => r.body?.reserved === 2, SETTLE_MS, 'the bulb stock view');
    expect(bulb.body).toMatchObject({ onHand: 10, reserved: 2, available: 8, status: 'in-stock' });

    const summaries = await eventually(
      () => listAll<OrderSummary>(url('projections', `/views/customers/${ADA.id}/orders`)),
      (orders) => orders.some((o) => o.orderId === adaOrder && o.status === 'confirmed'),
      SETTLE_MS,
      'the confirmed order summary',
    );
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ orderId: adaOrder, customerId: ADA.id, status: 'confirmed', cartId: adaCart, totalQuantity: 5, reason: null });

    const cart = await eventually(
      () => http<CartViewRow>('GET', url('projections', `/views/carts/${adaCart}`)),
      (r) => r.body?.status === 'checked-out',
      SETTLE_MS,
      'the checked-out cart view',
    );
    expect(cart.body).toMatchObject({
      cartId: adaCart,
      customerId: ADA.id,
      status: 'checked-out',
      orderId: adaOrder,
      lines: [
        { sku: BULB.sku, quantity: 2 },
        { sku: LAMP.sku, quantity: 3 },
      ],
    });
  });

  it('shows the reserved stock on the dashboard in headless Chromium', async () => {
    browser = await launchChromium();
    browserPids = childrenOf(process.pid)
      .filter((c) => c.command.includes('chromium'))
      .map((c) => c.pid);
    expect(browserPids.length).toBeGreaterThanOrEqual(1);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(sys.url('dashboard'));
    const row = page.locator(`tr[data-sku="${LAMP.sku}"]`);
    await row.locator('.available', { hasText: /^2$/ }).waitFor({ timeout: 15_000 });
    expect(await row.locator('.onhand').textContent()).toBe('5');
    expect(await row.locator('.reserved').textContent()).toBe('3');
    expect(await row.locator('.name').textContent()).toBe(LAMP.name);
    expect(await row.getAttribute('data-status')).toBe('low-stock');
    // The lamp needs attention (low); the bulb, in stock, is among the recently changed.
    expect(await page.locator(`tr[data-sku="${BULB.sku}"]`).count()).toBe(0);
    await page.click('#tab-recent');
    await page.locator(`tr[data-sku="${BULB.sku}"] .available`, { hasText: /^8$/ }).waitFor({ timeout: 15_000 });
    expect(await row.locator('.available').textContent()).toBe('2');
    await page.locator('#conn.on').waitFor({ timeout: 15_000 });
    mkdirSync(resolve(workspaceRoot, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: resolve(workspaceRoot, 'test-artifacts', 'customer-journey-dashboard.png'), fullPage: true });
  });

  it("rejects a second customer's order for more than remains, reserving nothing more", async () => {
    // 3 lamps where 2 remain, with a bulb that could be reserved: the saga must give that back.
    const cart = await fillCart(BO.id, [
      [BULB.sku, 1],
      [LAMP.sku, 3],
    ]);
    boOrder = await checkout(cart);
    const rejected = await eventually(() => order(boOrder), (o) => o?.status === 'rejected', SETTLE_MS, 'the order to be rejected');
    expect(rejected).toMatchObject({ customerId: BO.id, reason: 'insufficient stock' });

    const bulb = await eventually(() => inventorySku(BULB.sku), (s) => s.reserved === 2, SETTLE_MS, 'the bulb to hold only the first order');
    expect(bulb).toMatchObject({ onHand: 10, reserved: 2, available: 8 });
    expect(await inventorySku(LAMP.sku)).toMatchObject({ onHand: 5, reserved: 3, available: 2 });
    expect((await order(adaOrder)).status).toBe('confirmed');

    const summaries = await eventually(
      () => listAll<OrderSummary>(url('projections', `/views/customers/${BO.id}/orders`)),
      (orders) => orders.some((o) => o.status === 'rejected'),
      SETTLE_MS,
      'the rejected order summary',
    );
    expect(summaries).toEqual([expect.objectContaining({ orderId: boOrder, status: 'rejected', reason: 'insufficient stock', totalQuantity: 4 })]);
    // The read side agrees with the inventory once the rejection has been projected.
    await eventually(() => stockView(BULB.sku), (r) => r.body?.reserved === 2 && r.body.available === 8, SETTLE_MS, 'the bulb stock view');
    expect((await stockView(LAMP.sku)).body).toMatchObject({ onHand: 5, reserved: 3, available: 2, status: 'low-stock' });

    // The open dashboard heard of the rejection live and still shows 2 lamps available.
    await page!.locator('#orders-totals', { hasText: 'rejected 1' }).waitFor({ timeout: 15_000 });
    expect(await page!.locator(`tr[data-sku="${LAMP.sku}"] .available`).textContent()).toBe('2');
    expect(await page!.locator(`tr[data-sku="${BULB.sku}"] .available`).textContent()).toBe('8');
  });

  it('told the first customer exactly once per channel, and the second customer nothing', async () => {
    // By now the restock is many seconds and several round trips old: a duplicate would have shown.
    expect(await mailsTo(sys, ADA.email)).toHaveLength(1);
    expect(await smsTo(sys, ADA.phone)).toHaveLength(1);
    expect(stream!.events).toHaveLength(1);
    expect((await inbox(ADA.id)).body).toHaveLength(1);
    expect((await inbox(BO.id)).body).toHaveLength(0);
    // Nothing else was sent at all (the bulb's first receipt had no subscriber).
    expect(await mailsTo(sys)).toHaveLength(1);
    expect(await smsTo(sys)).toHaveLength(1);
  });

  it('stops everything and leaves no process behind and no port taken', async () => {
    stream!.close();
    stream = undefined;
    await browser!.close();
    browser = undefined;
    const ports = sys.system.specs.flatMap(portsOf);
    expect(ports.length).toBeGreaterThanOrEqual(sys.system.specs.length + 1);

    const before = Date.now();
    await sys.system.stop();
    const processesStopped = Date.now();
    await sys.stop(); // nothing left to stop: removes the run's schemas and streams
    stopped = true;
    console.log(`processes stopped in ${processesStopped - before} ms; schemas and streams removed in ${Date.now() - processesStopped} ms`);

    expect(sys.system.running).toEqual([]);
    expect(started.filter((p) => isAlive(p.pid))).toEqual([]);
    expect(processesOfRun(sys.namespace, sys.system.specs)).toEqual([]);
    expect(browserPids.filter(isAlive)).toEqual([]);
    // Nothing this test started is left: no child process it did not already have before.
    expect(childrenOf(process.pid).filter((c) => !earlierChildren.has(c.pid))).toEqual([]);
    expect(stillListening(ports)).toEqual([]);
    const bindable = await Promise.all(ports.map(async (port) => [port, await canBind(port)] as const));
    expect(bindable.filter(([, free]) => !free)).toEqual([]);
  });
});
