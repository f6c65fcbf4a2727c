// One whole customer journey driven only through the TypeScript clients generated from the committed
// OpenAPI documents (openapi-typescript types + openapi-fetch), with authentication on and every
// answer held against its document (`apiClient` throws on a status or body the document does not
// describe). It proves the documents by a client: a field renamed in code but not in the document,
// an undocumented status or a wrong type fails here, not in a frontend team's build.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { API_SERVICES, apiClient, apiDocument, type CartsApi, type InventoryApi, type NotificationsApi, type NotifierApi, type OrdersApi, type ProjectionsApi } from '@stockflow/api-client';
import { IDENTITY } from '@stockflow/system-launcher';
import { DOCUMENTED_ISSUER } from '@stockflow/platform';
import { devTokens, eventually, type TestIdentity } from '@stockflow/testing';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { http, startTestSystem, workspaceRoot, type TestSystem } from './test-system.js';

const SETTLE_MS = 30_000;

describe('a customer journey through clients generated from the OpenAPI documents', () => {
  let sys: TestSystem;
  let identity: TestIdentity;
  const tokens: { operator?: string; customer?: string } = {};
  const run = randomUUID().slice(0, 8);
  const customerId = `api-client-${run}`;
  const sku = `API-${run.toUpperCase()}`;

  type As = 'operator' | 'customer';
  const clients = (as: As) => {
    const token = () => tokens[as];
    return {
      inventory: apiClient<InventoryApi.paths>('inventory', { baseUrl: sys.url('inventory'), token }),
      orders: apiClient<OrdersApi.paths>('orders', { baseUrl: sys.url('orders'), token }),
      carts: apiClient<CartsApi.paths>('carts', { baseUrl: sys.url('carts'), token }),
      notifications: apiClient<NotificationsApi.paths>('notifications', { baseUrl: sys.url('notifications'), token }),
      notifier: apiClient<NotifierApi.paths>('notifier', { baseUrl: sys.url('notifier'), token }),
      projections: apiClient<ProjectionsApi.paths>('projections', { baseUrl: sys.url('projections'), token }),
    };
  };

  beforeAll(async () => {
    sys = await startTestSystem({ authentication: true, only: ['orders', 'inventory', 'carts', 'notifications', 'notifier', 'projections', 'mail-sink', 'sms-sink', IDENTITY.name] });
    identity = devTokens(sys.url(IDENTITY.name));
    tokens.operator = await identity.operator('api-client-journey');
    tokens.customer = await identity.customer(customerId);
  }, 180_000);

  afterAll(async () => {
    await sys?.stop();
  }, 60_000);

  it('serves at /docs-json the committed document of each service, but for its own issuer', async () => {
    for (const service of API_SERVICES) {
      const served = await http<Record<string, unknown>>('GET', `${sys.url(service)}/docs-json`, undefined, { authorization: `Bearer ${tokens.operator}` });
      expect([service, served.status]).toEqual([service, 200]);
      const oidc = (document: Record<string, unknown>) => (document['components'] as { securitySchemes: Record<string, Record<string, string>> }).securitySchemes['oidc']!;
      expect(oidc(served.body).openIdConnectUrl).toContain(new URL(identity.issuer).host);
      expect(oidc(apiDocument(service) as unknown as Record<string, unknown>).openIdConnectUrl).toContain(new URL(DOCUMENTED_ISSUER).host);
      // Everything else is the same document, byte for byte once the issuer is set aside.
      const withoutIssuer = (document: Record<string, unknown>) => {
        const copy = JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
        delete oidc(copy).openIdConnectUrl;
        delete oidc(copy).description;
        return copy;
      };
      expect([service, withoutIssuer(apiDocument(service) as unknown as Record<string, unknown>)]).toEqual([service, withoutIssuer(served.body)]);
    }
  });

  it("rebuilds the read models with the operator CLI, which needs an operator's token", () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [resolve(workspaceRoot, 'tools/ops/dist/main.js'), 'rebuild', '--url', sys.url('projections'), ...args], { encoding: 'utf8', timeout: 120_000 });
    const refused = cli();
    expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining('rebuild: 401')]);
    const rebuilt = cli('--token', tokens.operator!);
    expect([rebuilt.status, rebuilt.stdout]).toEqual([0, expect.stringMatching(/^rebuilt every read model: \d+ events at \d+ events\/s/)]);
  });

  it('registers, subscribes, restocks, notifies, buys through a cart, reads the views and cancels, every answer as documented', async () => {
    const started = Date.now();
    const operator = clients('operator');
    const customer = clients('customer');

    // An operator registers a SKU with nothing in stock; a malformed one is a documented 400.
    const registered = await operator.inventory.POST('/skus', { body: { sku, name: 'Client-made lamp', lowStockThreshold: 1 } });
    expect(registered.response.status).toBe(201);
    expect(registered.data?.sku).toBe(sku);
    const refused = await operator.inventory.POST('/skus', { body: { sku: 'has spaces', name: '', lowStockThreshold: -1 } });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toMatchObject({ status: 400, errors: expect.any(Array) });

    // The customer asks to be told on the web channel, and subscribes to the SKU.
    const preferences = await customer.notifications.PUT('/customers/{id}/preferences', {
      params: { path: { id: customerId } },
      body: { locale: 'en', timeZone: 'Europe/Berlin', channels: { email: false, sms: false, web: true } },
    });
    expect(preferences.response.status).toBe(200);
    expect(preferences.data?.customerId).toBe(customerId);
    const subscribed = await customer.notifications.POST('/subscriptions', { body: { customerId, sku, kind: 'back-in-stock' } });
    expect(subscribed.response.status).toBe(201);
    const subscriptionId = subscribed.data!.subscriptionId;

    // Another customer's token cannot read this customer's subscription: a documented 403 or 404.
    const stranger = await identity.customer(`${customerId}-other`);
    const foreign = await apiClient<NotificationsApi.paths>('notifications', { baseUrl: sys.url('notifications'), token: () => stranger }).GET('/subscriptions/{id}', {
      params: { path: { id: subscriptionId } },
    });
    expect([403, 404]).toContain(foreign.response.status);

    // The operator restocks; the web inbox gets the back-in-stock notification.
    const received = await operator.inventory.POST('/skus/{sku}/receipts', { params: { path: { sku } }, body: { quantity: 5 } });
    expect(received.response.status).toBe(200);
    expect(received.data).toMatchObject({ sku, onHand: 5, available: 5 });
    const inbox = await eventually(
      async () => (await customer.notifications.GET('/customers/{id}/notifications', { params: { path: { id: customerId }, query: { limit: 10 } } })).data,
      (page) => page?.items.some((item) => item.sku === sku) === true,
      SETTLE_MS,
      'the back-in-stock notification in the web inbox',
    );
    const notification = inbox!.items.find((item) => item.sku === sku)!;
    const read = await customer.notifications.POST('/customers/{id}/notifications/{nid}/read', { params: { path: { id: customerId, nid: notification.notificationId } } });
    expect(read.response.status).toBe(204);

    // A cart: open, two of the SKU, check out (with an Idempotency-Key, replayed once).
    const cart = await customer.carts.POST('/carts', { body: { customerId } });
    expect(cart.response.status).toBe(201);
    const cartId = cart.data!.cartId;
    const line = await customer.carts.PUT('/carts/{id}/lines/{sku}', { params: { path: { id: cartId, sku } }, body: { quantity: 2 } });
    expect(line.data?.lines).toEqual([{ sku, quantity: 2 }]);
    const key = `checkout-${run}`;
    const checkout = await customer.carts.POST('/carts/{id}/checkout', { params: { path: { id: cartId }, header: { 'Idempotency-Key': key } } });
    expect(checkout.response.status).toBe(202);
    const again = await customer.carts.POST('/carts/{id}/checkout', { params: { path: { id: cartId }, header: { 'Idempotency-Key': key } } });
    expect(again.data?.orderId).toBe(checkout.data?.orderId);
    const orderId = checkout.data!.orderId;

    // The order is confirmed by the saga; the stock is reserved.
    const confirmed = await eventually(
      async () => (await customer.orders.GET('/orders/{id}', { params: { path: { id: orderId } } })).data,
      (order) => order?.status === 'confirmed',
      SETTLE_MS,
      'the order confirmed',
    );
    expect(confirmed?.lines).toEqual([{ sku, quantity: 2 }]);
    const stock = await operator.inventory.GET('/skus/{sku}', { params: { path: { sku } } });
    expect(stock.data).toMatchObject({ onHand: 5, reserved: 2, available: 3 });

    // The read side shows the same, under the same names.
    const views = await eventually(
      async () => ({
        orders: (await customer.projections.GET('/views/customers/{id}/orders', { params: { path: { id: customerId }, query: { limit: 10 } } })).data,
        cart: (await customer.projections.GET('/views/carts/{id}', { params: { path: { id: cartId } } })).data,
        stock: (await operator.projections.GET('/views/stock/{sku}', { params: { path: { sku } } })).data,
      }),
      (seen) => seen.orders?.items[0]?.status === 'confirmed' && seen.cart?.status === 'checked-out' && seen.stock?.reserved === 2,
      SETTLE_MS,
      'the read models to show the confirmed order',
    );
    expect(views.orders?.items).toEqual([expect.objectContaining({ orderId, cartId, status: 'confirmed', totalQuantity: 2 })]);
    expect(views.cart).toMatchObject({ cartId, status: 'checked-out', orderId });
    expect(views.stock).toMatchObject({ sku, onHand: 5, reserved: 2, available: 3 });
    const detail = await operator.projections.GET('/views/stock/{sku}/detail', { params: { path: { sku } } });
    expect(detail.response.status).toBe(200);
    const deliveries = await operator.notifier.GET('/deliveries', { params: { query: { limit: 5 } } });
    expect(deliveries.response.status).toBe(200);

    // The customer cancels; the reservation is released.
    const cancelled = await customer.orders.POST('/orders/{id}/cancel', { params: { path: { id: orderId } }, body: { reason: 'changed my mind' } });
    expect(cancelled.response.status).toBe(202);
    const released = await eventually(
      async () => (await operator.inventory.GET('/skus/{sku}', { params: { path: { sku } } })).data,
      (after) => after?.reserved === 0,
      SETTLE_MS,
      'the reservation released',
    );
    expect(released).toMatchObject({ reserved: 0, available: 5 });
    const cancelTwice = await customer.orders.POST('/orders/{id}/cancel', { params: { path: { id: orderId } }, body: { reason: 'again' } });
    expect(cancelTwice.response.status).toBe(409);

    // Anonymous callers get the documented 401 problem.
    const anonymous = await apiClient<OrdersApi.paths>('orders', { baseUrl: sys.url('orders') }).GET('/orders/{id}', { params: { path: { id: orderId } } });
    expect(anonymous.response.status).toBe(401);
    console.log(`api-client journey: ${Date.now() - started} ms, every answer matched its OpenAPI document`);
  }, 180_000);
});
