// Issue 17, "who may do what", on the running system: every process started from the npm start
// manifest with authentication on (the development identity provider first, every service verifying
// its tokens). Anonymous callers get 401 on every non-public route — found by walking every operation
// of every OpenAPI document —; customer A on customer B's resources gets 404; a customer on operator
// routes 403 (ADR 0025, 0026).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { IDENTITY } from '@stockflow/system-launcher';
import { bearer, devTokens, eventually, signInToDashboard, type TestIdentity } from '@stockflow/testing';
import { launchChromium } from './browser/launch-chromium.js';
import { http, startTestSystem, workspaceRoot, type TestSystem } from './test-system.js';

/** The REST processes that publish an OpenAPI document. */
const DOCUMENTED = ['orders', 'inventory', 'carts', 'notifications', 'notifier', 'projections'] as const;
/** Routes anyone may call: the signed unsubscribe link and the providers' signed webhooks (each checks its own signature; ADR 0027, 0031, 0032). */
const PUBLIC_OPERATIONS = ['notifications GET /unsubscribe', 'notifications POST /unsubscribe', 'notifications POST /webhooks/sms', 'notifications POST /webhooks/sms/status', 'notifications POST /webhooks/email/events'];
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const SAMPLE_ID = '0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e';

interface Operation {
  readonly security?: Array<Record<string, string[]>>;
}

describe('authentication and authorisation across the running system', () => {
  let sys: TestSystem;
  let tokens: TestIdentity;
  const url = (name: string, path: string): string => `${sys.url(name)}${path}`;
  const as = (token: string) => bearer(token);

  beforeAll(async () => {
    sys = await startTestSystem({ authentication: true });
    tokens = devTokens(sys.url(IDENTITY.name));
  }, 180_000);

  afterAll(async () => {
    await sys?.stop();
  }, 60_000);

  it('answers anonymous callers 401 on every operation of every OpenAPI document that declares security', async () => {
    const walked: string[] = [];
    const open: string[] = [];
    for (const name of DOCUMENTED) {
      const document = await http<{ paths: Record<string, Record<string, Operation>>; components?: { securitySchemes?: Record<string, unknown> } }>('GET', url(name, '/docs-json'));
      expect(document.status).toBe(200);
      expect(document.body.components?.securitySchemes).toHaveProperty('oidc');
      for (const [path, item] of Object.entries(document.body.paths)) {
        for (const method of METHODS) {
          const operation = item[method];
          if (!operation) continue;
          const label = `${name} ${method.toUpperCase()} ${path}`;
          expect([label, operation.security]).toEqual([label, expect.any(Array)]);
          if (operation.security!.length === 0) {
            open.push(label);
            continue;
          }
          const concrete = path.replace(/\{[^}]+\}/g, SAMPLE_ID);
          const response = await fetch(url(name, concrete), {
            method: method.toUpperCase(),
            headers: method === 'get' || method === 'delete' ? {} : { 'content-type': 'application/json' },
            body: method === 'get' || method === 'delete' ? undefined : '{}',
          });
          expect([label, response.status]).toEqual([label, 401]);
          expect([label, response.headers.get('www-authenticate')]).toEqual([label, 'Bearer realm="stockflow"']);
          walked.push(label);
        }
      }
    }
    expect(open.sort()).toEqual([...PUBLIC_OPERATIONS].sort());
    console.log(`anonymous → 401 on ${walked.length} operations of ${DOCUMENTED.length} OpenAPI documents; public: ${open.join(', ')}`);
    expect(walked.length).toBeGreaterThan(25);
  });

  it('keeps /health/live open, gives anonymous readiness the verdict alone, and keeps /metrics for operators and scrapers', async () => {
    const operator = await tokens.operator();
    const customer = await tokens.customer('metrics-curious');
    // Every process but the identity provider and the development sinks, the dashboard included.
    for (const spec of sys.system.specs.filter((s) => !['identity', 'mail-sink', 'sms-sink'].includes(s.name))) {
      expect([spec.name, (await fetch(`${spec.url}/health/live`)).status]).toEqual([spec.name, 200]);
      const ready = await eventually(() => http<Record<string, unknown>>('GET', `${spec.url}/health/ready`), (r) => r.status === 200, 15_000, `${spec.name} ready`);
      expect([spec.name, ready.body]).toEqual([spec.name, { status: 'ok' }]);
      expect([spec.name, (await fetch(`${spec.url}/metrics`)).status]).toEqual([spec.name, 401]);
      expect([spec.name, (await fetch(`${spec.url}/metrics`, { headers: as(customer) })).status]).toEqual([spec.name, 403]);
      expect([spec.name, (await fetch(`${spec.url}/metrics`, { headers: as(operator) })).status]).toEqual([spec.name, 200]);
      const detailed = await http<Record<string, unknown>>('GET', `${spec.url}/health/ready`, undefined, as(operator));
      expect([spec.name, Object.keys(detailed.body)]).toEqual([spec.name, expect.arrayContaining(['status', 'details'])]);
    }
  });

  it('answers a customer on operator routes 403', async () => {
    const customer = await tokens.customer('not-an-operator');
    for (const [name, method, path, body] of [
      ['inventory', 'POST', '/skus', { sku: 'AUTH-1', name: 'x', lowStockThreshold: 1 }],
      ['inventory', 'POST', '/skus/AUTH-1/receipts', { quantity: 1 }],
      ['inventory', 'POST', '/skus/AUTH-1/adjustments', { delta: -1, reason: 'x' }],
      ['projections', 'POST', '/admin/rebuild', undefined],
      ['projections', 'GET', '/views/summary', undefined],
      ['projections', 'GET', '/views/notifications/deliveries', undefined],
      ['projections', 'GET', '/views/stream', undefined],
      ['notifier', 'GET', '/deliveries', undefined],
    ] as const) {
      const response = await http('' + method, url(name, path), body, as(customer));
      expect([name, method, path, response.status]).toEqual([name, method, path, 403]);
    }
  });

  it("answers customer A on customer B's carts, orders, preferences, subscriptions, inbox, stream and read views 404; a body naming B is 403", async () => {
    const [alice, bob, operator] = await Promise.all([tokens.customer('alice'), tokens.customer('bob'), tokens.operator()]);
    expect((await http('POST', url('inventory', '/skus'), { sku: 'AUTH-LAMP', name: 'Lamp', lowStockThreshold: 1 }, as(operator))).status).toBe(201);
    expect((await http('POST', url('inventory', '/skus/AUTH-LAMP/receipts'), { quantity: 5 }, as(operator))).status).toBe(200);

    // Alice's cart and order.
    const cart = await http<{ cartId: string }>('POST', url('carts', '/carts'), { customerId: 'alice' }, as(alice));
    expect(cart.status).toBe(201);
    const cartPath = `/carts/${cart.body.cartId}`;
    expect((await http('PUT', url('carts', `${cartPath}/lines/AUTH-LAMP`), { quantity: 1 }, as(alice))).status).toBe(200);
    const order = await http<{ orderId: string }>('POST', url('orders', '/orders'), { customerId: 'alice', lines: [{ sku: 'AUTH-LAMP', quantity: 1 }] }, as(alice));
    expect(order.status).toBe(202);
    const orderPath = `/orders/${order.body.orderId}`;
    expect((await http('PUT', url('notifications', '/customers/alice/preferences'), { email: 'alice@example.com', locale: 'en', timeZone: 'Europe/Berlin', channels: { email: true, sms: false, web: true } }, as(alice))).status).toBe(200);
    const subscription = await http<{ subscriptionId: string }>('POST', url('notifications', '/subscriptions'), { customerId: 'alice', sku: 'AUTH-LAMP', kind: 'back-in-stock' }, as(alice));
    expect(subscription.status).toBe(201);

    // Alice reaches them; the read views catch up.
    expect((await http('GET', url('carts', cartPath), undefined, as(alice))).status).toBe(200);
    expect((await http('GET', url('orders', orderPath), undefined, as(alice))).status).toBe(200);
    await eventually(() => http('GET', url('projections', `/views${cartPath}`), undefined, as(alice)), (r) => r.status === 200, 15_000, "alice's cart view");
    await eventually(
      () => http<{ items: unknown[] }>('GET', url('projections', '/views/customers/alice/orders'), undefined, as(alice)),
      (r) => r.status === 200 && r.body.items.length === 1,
      15_000,
      "alice's order view",
    );

    // Bob does not: someone else's resource answers as one that does not exist.
    const bobs: Array<[string, string, string, unknown?]> = [
      ['carts', 'GET', cartPath],
      ['carts', 'PUT', `${cartPath}/lines/AUTH-LAMP`, { quantity: 2 }],
      ['carts', 'DELETE', `${cartPath}/lines/AUTH-LAMP`],
      ['carts', 'POST', `${cartPath}/checkout`],
      ['orders', 'GET', orderPath],
      ['orders', 'POST', `${orderPath}/cancel`, {}],
      ['notifications', 'GET', '/customers/alice/preferences'],
      ['notifications', 'PUT', '/customers/alice/preferences', { email: 'mallory@example.com', locale: 'en', timeZone: 'Europe/Berlin', channels: { email: true, sms: false, web: true } }],
      ['notifications', 'POST', '/customers/alice/contacts/email/confirm', { code: '123456' }],
      ['notifications', 'GET', '/customers/alice/notifications'],
      ['notifications', 'GET', '/customers/alice/subscriptions'],
      ['notifications', 'GET', `/subscriptions/${subscription.body.subscriptionId}`],
      ['notifications', 'DELETE', `/subscriptions/${subscription.body.subscriptionId}`],
      ['notifications', 'GET', '/customers/alice/notifications/stream'],
      ['projections', 'GET', `/views${cartPath}`],
      ['projections', 'GET', '/views/customers/alice/orders'],
    ];
    for (const [name, method, path, body] of bobs) {
      const response = await http<{ status: number }>(method, url(name, path), body, as(bob));
      expect([name, method, path, response.status]).toEqual([name, method, path, 404]);
    }
    for (const [name, path, body] of [
      ['carts', '/carts', { customerId: 'alice' }],
      ['orders', '/orders', { customerId: 'alice', lines: [{ sku: 'AUTH-LAMP', quantity: 1 }] }],
      ['notifications', '/subscriptions', { customerId: 'alice', sku: 'AUTH-LAMP', kind: 'back-in-stock' }],
    ] as const) {
      expect([name, path, (await http('POST', url(name, path), body, as(bob))).status]).toEqual([name, path, 403]);
    }
    // Nothing of Bob's attempts changed Alice's things.
    expect((await http<{ email: string }>('GET', url('notifications', '/customers/alice/preferences'), undefined, as(alice))).body.email).toBe('alice@example.com');
    expect((await http<{ lines: unknown[] }>('GET', url('carts', cartPath), undefined, as(alice))).body.lines).toHaveLength(1);
    // An operator reads them (support), but does not change them.
    expect((await http('GET', url('orders', orderPath), undefined, as(operator))).status).toBe(200);
    expect((await http('PUT', url('notifications', '/customers/alice/preferences'), { email: 'ops@example.com', locale: 'en', timeZone: 'Europe/Berlin', channels: { email: true, sms: false, web: true } }, as(operator))).status).toBe(403);
  });

  it("opens a customer's SSE inbox stream with a stream ticket, and only their own", async () => {
    const [alice, bob] = await Promise.all([tokens.customer('alice'), tokens.customer('bob')]);
    const path = '/customers/alice/notifications/stream';
    const ticket = await http<{ ticket: string; expiresIn: number }>('POST', url('notifications', '/auth/stream-tickets'), { path }, as(alice));
    expect(ticket.status).toBe(201);
    const controller = new AbortController();
    const stream = await fetch(url('notifications', `${path}?ticket=${encodeURIComponent(ticket.body.ticket)}`), { signal: controller.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    controller.abort();
    const bobsTicket = await http<{ ticket: string }>('POST', url('notifications', '/auth/stream-tickets'), { path }, as(bob));
    expect((await fetch(url('notifications', `${path}?ticket=${encodeURIComponent(bobsTicket.body.ticket)}`))).status).toBe(404);
    expect((await fetch(url('notifications', `${path}?ticket=forged`))).status).toBe(401);
  });

  it('signs an operator in to the dashboard in Chromium through the identity provider, and shows the page', async () => {
    expect((await fetch(url('dashboard', '/api/views/stock'))).status).toBe(401);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      await page.goto(sys.url('dashboard'));
      // Sent to the identity provider's sign-in form (development mode: any name, any password).
      await page.waitForURL((at) => at.origin === sys.url(IDENTITY.name), { timeout: 10_000 });
      await page.fill('input[name="login"]', 'ops-ada');
      await page.fill('input[name="password"]', 'development');
      await page.click('button[type="submit"]');
      await page.waitForURL((at) => at.origin === sys.url('dashboard'), { timeout: 10_000 });
      await page.locator('#operator-name', { hasText: 'signed in as ops-ada' }).waitFor({ timeout: 10_000 });
      await page.locator('#conn.on').waitFor({ timeout: 10_000 });
      const artifacts = resolve(workspaceRoot, 'test-artifacts');
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: resolve(artifacts, 'dashboard-signed-in.png') });
      await page.click('#operator button[type="submit"]');
      await page.waitForURL((at) => at.pathname === '/auth/signed-out', { timeout: 10_000 });
      expect((await page.request.get(url('dashboard', '/api/me'))).status()).toBe(401);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("lets the dashboard read every process with the signed-in operator's token", async () => {
    const cookie = await signInToDashboard(sys.url('dashboard'), 'ops-grace');
    const health = await eventually(
      () => http<Record<string, { up: boolean }>>('GET', url('dashboard', '/api/health'), undefined, { cookie }),
      (r) => r.status === 200 && Object.values(r.body).every((p) => p.up !== false),
      15_000,
      'the dashboard reaching every /metrics',
    );
    expect(Object.keys(health.body)).toEqual(expect.arrayContaining(['orders', 'inventory', 'projections']));
    expect((await http('GET', url('dashboard', '/api/views/stock'), undefined, { cookie })).status).toBe(200);
    // A customer signed in at the provider is no operator of the dashboard.
    expect((await http('GET', url('dashboard', '/api/views/stock'), undefined, { cookie: `stockflow_dashboard=${await tokens.customer('alice')}` })).status).toBe(403);
  });

  it("forwards to the dashboard's operators only the views its page shows, and a live stream without customers", async () => {
    const cookie = await signInToDashboard(sys.url('dashboard'), 'ops-grace');
    for (const path of ['/api/views/customers/alice/orders', '/api/views/carts/any', '/api/views/stock/AUTH-LAMP', '/api/views/stock/AUTH-LAMP/reservations']) {
      expect([path, (await fetch(url('dashboard', path), { headers: { cookie } })).status]).toEqual([path, 404]);
    }
    // Counts and the dead letters per consumer: aggregates, no customer in them.
    for (const path of ['/api/views/summary', '/api/views/dead-letters']) {
      expect([path, (await fetch(url('dashboard', path), { headers: { cookie } })).status]).toEqual([path, 200]);
    }
    const controller = new AbortController();
    const stream = await fetch(url('dashboard', '/api/views/stream'), { signal: controller.signal, headers: { cookie } });
    expect(stream.status).toBe(200);
    let text = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
      } catch {
        // aborted below
      }
    })();
    const alice = await tokens.customer('alice');
    const cart = await http<{ cartId: string }>('POST', url('carts', '/carts'), { customerId: 'alice' }, as(alice));
    expect(cart.status).toBe(201);
    expect((await http('POST', url('orders', '/orders'), { customerId: 'alice', lines: [{ sku: 'AUTH-LAMP', quantity: 1 }] }, as(alice))).status).toBe(202);
    await eventually(() => text, (seen) => seen.includes('event: customer_orders'), 15_000, 'the order change on the dashboard stream');
    controller.abort();
    await reading;
    expect(text).not.toContain('alice');
    expect(text).not.toContain('event: carts');
  });
});
