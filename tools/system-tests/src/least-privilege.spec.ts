// Least privilege on NATS and PostgreSQL (ADR 0020), on a nats-server of this test's own started with the users
// generated from the system manifest: anonymous and wrong credentials are refused; no process
// publishes onto another context's stream; a forged event never reaches a consumer; and the whole
// system, every process with its own NATS user and its schema's own PostgreSQL role, still runs the order flow, the read side and a restock
// notification.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { contextStreamName, eventSubject, stockflowCatalog, type EventEnvelope } from '@stockflow/contracts';
import { connectNats, contextStreamSpec, DurableEventConsumer, ensureStream, renderNatsAuthorization, type ReceivedEvent } from '@stockflow/messaging';
import { relayHeaders } from '@stockflow/messaging/testing';
import { createPool, DEFAULT_DATABASE_URL, dropServiceRole, provisionServiceRole } from '@stockflow/postgres';
import { databaseRoles, databaseUrlAs, findNatsServer, freePort, NATS_ADMIN_USER, natsPasswordVariable, natsUsers, SERVICES, startIsolatedSystem, startNatsServer, type DevServer, type IsolatedSystem } from '@stockflow/system-launcher';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { eventually, http, listAll, workspaceRoot } from './test-system.js';

const id = `s${randomBytes(3).toString('hex')}`;
const scheme = { namespace: id };
const users = natsUsers({ namespace: id, schemaPrefix: id });
const passwords = new Map(users.map((u) => [u.user, `p${randomBytes(18).toString('hex')}`]));
const credentials = (user: string): { user: string; password: string } => ({ user, password: passwords.get(user)! });
const as = (user: string): Promise<NatsConnection> => connectNats({ url: server.url, name: `least-privilege-${user}`, ...credentials(user) });
const inventoryStream = contextStreamName('inventory', scheme);
let server: DevServer;
const natsDir = mkdtempSync(join(tmpdir(), 'stockflow-least-privilege-'));

/** A valid BackInStock envelope: only its publisher decides whether it counts. */
function backInStock(sku: string): EventEnvelope {
  return {
    eventId: randomUUID(),
    type: 'BackInStock',
    schemaVersion: 1,
    streamId: `sku-${sku}`,
    streamPosition: 2,
    globalPosition: 2,
    occurredAt: new Date().toISOString(),
    correlationId: randomUUID(),
    causationId: null,
    traceparent: null,
    data: { sku, available: 10 },
  };
}
const encode = (envelope: EventEnvelope): Uint8Array => new TextEncoder().encode(JSON.stringify(envelope));
const backInStockSubject = eventSubject('inventory', 'sku', 'BackInStock', scheme);

/** Publishes as `user`, with the headers a relay sets; resolves to the server's answer: stored (sequence) or the error it raised. */
async function tryPublish(nc: NatsConnection, subject: string, data: Uint8Array): Promise<string> {
  try {
    const ack = await jetstream(nc).publish(subject, data, { timeout: 2_000, headers: relayHeaders() });
    return `stored as ${ack.seq}`;
  } catch (error) {
    return (error as Error).message;
  }
}

async function messagesIn(stream: string): Promise<number> {
  const admin = await as(NATS_ADMIN_USER);
  try {
    return (await (await jetstreamManager(admin)).streams.info(stream)).state.messages;
  } finally {
    await admin.close();
  }
}

beforeAll(async () => {
  // A nats-server of this test's own: free port, own store, the generated users with random passwords.
  server = await startNatsServer({
    executable: findNatsServer()!,
    dataDir: natsDir,
    port: await freePort(),
    output: () => undefined,
    config: renderNatsAuthorization(users),
    env: Object.fromEntries(users.map((u) => [u.passwordVariable, passwords.get(u.user)!])),
  });
});

afterAll(async () => {
  await server?.stop();
  rmSync(natsDir, { recursive: true, force: true });
});

describe('NATS users and permissions generated from the manifest', () => {
  it('refuses anonymous connections and wrong passwords', async () => {
    await expect(connectNats({ url: server.url, name: 'anonymous', user: '', password: '' })).rejects.toThrow(/Authorization Violation/i);
    await expect(connectNats({ url: server.url, name: 'wrong', user: 'orders', password: 'not-the-password-of-orders' })).rejects.toThrow(/Authorization Violation/i);
    await expect(connectNats({ url: server.url, name: 'unknown', user: 'mallory', password: passwords.get('orders')! })).rejects.toThrow(/Authorization Violation/i);
  });

  it("lets no process but the context's relay publish onto the context's stream", async () => {
    const relay = await as('relay-inventory');
    try {
      await ensureStream(await jetstreamManager(relay), contextStreamSpec('inventory', scheme));
      for (const intruder of ['orders', 'notifier', 'relay-orders', 'projections', 'notifications']) {
        const nc = await as(intruder);
        try {
          expect(await tryPublish(nc, backInStockSubject, encode(backInStock('FORGED-1')))).toMatch(/Permissions Violation for Publish to "[^"]*inventory\.sku\.BackInStock"/);
        } finally {
          await nc.close();
        }
      }
      expect(await messagesIn(inventoryStream)).toBe(0);
      expect(await tryPublish(relay, backInStockSubject, encode(backInStock('REAL-1')))).toBe('stored as 1');
      expect(await messagesIn(inventoryStream)).toBe(1);
    } finally {
      await relay.close();
    }
  });

  it("keeps a consumer's user off other processes' consumers and other services' dead letters", async () => {
    const nc = await as('notifier');
    try {
      const jsm = await jetstreamManager(nc);
      // Its own durable is fine; the order saga's on the same stream is not.
      await expect(jsm.consumers.info(inventoryStream, 'orders-saga-inventory')).rejects.toThrow(/Permissions Violation|timeout/i);
      expect(await tryPublish(nc, `${id}.dlq.orders-saga-inventory`, encode(backInStock('FORGED-2')))).toMatch(/Permissions Violation/);
      // Not even a core-NATS publish (no JetStream ack) of another context's subject goes through.
      nc.publish(eventSubject('orders', 'ordersaga', 'ReservationRequested', scheme), encode(backInStock('FORGED-3')));
      await nc.flush();
      expect(await messagesIn(contextStreamName('orders', scheme)).catch(() => 0)).toBe(0);
    } finally {
      await nc.close();
    }
  });

  it("never delivers a forged BackInStock to the notifier's consumer; the relay's real one arrives", async () => {
    const notifier = await as('notifier');
    const relay = await as('relay-inventory');
    const received: ReceivedEvent[] = [];
    const consumer = new DurableEventConsumer({
      js: jetstream(notifier),
      jsm: await jetstreamManager(notifier),
      catalog: stockflowCatalog,
      stream: inventoryStream,
      sourceStream: contextStreamSpec('inventory', scheme),
      durable: 'notifier-inventory',
      filterSubject: `${id}.inventory.sku.>`,
      handlers: new Map([['BackInStock', async (event: ReceivedEvent) => void received.push(event)]]),
      scheme,
    });
    await consumer.start();
    try {
      // Wait for the event already on the stream (from the test above): the consumer is live.
      await eventually(async () => received.length, (n) => n === 1, 10_000, 'the first real event');
      const before = await messagesIn(inventoryStream);
      const forgers = [notifier, await as('orders')];
      for (const forger of forgers) {
        expect(await tryPublish(forger, backInStockSubject, encode(backInStock('FORGED-4')))).toMatch(/Permissions Violation/);
        forger.publish(backInStockSubject, encode(backInStock('FORGED-5')));
        await forger.flush();
      }
      await forgers[1]!.close();
      const real = backInStock('REAL-2');
      expect(await tryPublish(relay, backInStockSubject, encode(real))).toMatch(/^stored as/);
      await eventually(async () => received.length, (n) => n >= 2, 10_000, 'the relay’s event');
      // The real event came after the forged ones: had any been stored, it would have come first.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received.map((e) => (e.data as { sku: string }).sku)).toEqual(['REAL-1', 'REAL-2']);
      expect(await messagesIn(inventoryStream)).toBe(before + 1);
    } finally {
      await consumer.stop();
      await notifier.close();
      await relay.close();
    }
  });
});

describe('the whole system, each process with its own NATS user and its schema’s PostgreSQL role', () => {
  let sys: IsolatedSystem;
  const url = (name: string, path: string): string => `${sys.url(name)}${path}`;
  const adminUrl = process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
  const roles = databaseRoles({ schemaPrefix: id });

  beforeAll(async () => {
    const env: Record<string, Record<string, string>> = {};
    for (const u of users) if (u.user !== NATS_ADMIN_USER) env[u.user] = { NATS_USER: u.user, NATS_PASSWORD: passwords.get(u.user)! };
    // The streams the permission tests above made (with made-up events) must not look like the relays' work.
    const nats = await as(NATS_ADMIN_USER);
    const jsm = await jetstreamManager(nats);
    for await (const stream of jsm.streams.names()) await jsm.streams.delete(stream);
    await nats.close();
    const admin = createPool({ connectionString: adminUrl, max: 1 });
    try {
      for (const r of roles) {
        const password = randomBytes(18).toString('base64url');
        await provisionServiceRole(admin, { role: r.role, schema: r.schema, password });
        for (const process of r.processes) env[process] = { ...env[process], DATABASE_URL: databaseUrlAs(adminUrl, r.role, password) };
      }
    } finally {
      await admin.end();
    }
    sys = await startIsolatedSystem({ root: workspaceRoot, label: 'least-privilege', idPrefix: 's', id, authentication: false, databaseUrl: adminUrl, natsUrl: server.url, env, natsAdmin: credentials(NATS_ADMIN_USER) });
  }, 180_000);

  afterAll(async () => {
    await sys?.stop();
    const admin = createPool({ connectionString: adminUrl, max: 1 });
    for (const r of roles) await dropServiceRole(admin, r.role).catch(() => undefined);
    await admin.end();
  });

  it("logs each process in as its schema's role, which no other schema lets in", async () => {
    const admin = createPool({ connectionString: adminUrl, max: 1 });
    try {
      const { rows } = await admin.query<{ usename: string; application_name: string }>(
        'SELECT DISTINCT usename, application_name FROM pg_stat_activity WHERE usename = ANY($1)',
        [roles.map((r) => r.role)],
      );
      for (const r of roles) expect(rows.map((row) => row.usename)).toContain(r.role);
      const { rows: owners } = await admin.query<{ nspname: string; owner: string }>('SELECT nspname, nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = ANY($1)', [roles.map((r) => r.schema)]);
      expect(Object.fromEntries(owners.map((o) => [o.nspname, o.owner]))).toEqual(Object.fromEntries(roles.map((r) => [r.schema, r.role])));
    } finally {
      await admin.end();
    }
  });

  it('gives every NATS-speaking process of the manifest a user of its own', () => {
    const speaking = sys.system.running.filter((name) => !['mail-sink', 'sms-sink', 'dashboard'].includes(name));
    // The standalone relays' users exist whichever topology runs (ADR 0043: STOCKFLOW_RELAYS=standalone).
    const standaloneRelays = SERVICES.map((s) => `relay-${s.name}`);
    expect(users.map((u) => u.user).sort()).toEqual([...new Set([...speaking, ...standaloneRelays, NATS_ADMIN_USER])].sort());
    expect(users.every((u) => u.passwordVariable === natsPasswordVariable(u.user))).toBe(true);
  });

  it('turns a cart checkout into a confirmed order shown in the read model, and tells a subscriber of a restock', async () => {
    const sku = 'LP-MUG-1';
    expect((await http('POST', url('inventory', '/skus'), { sku, name: 'Least-privilege mug', lowStockThreshold: 0 })).status).toBe(201);
    expect((await http('PUT', url('notifications', '/customers/lp-ada/preferences'), { locale: 'en', timeZone: 'UTC', channels: { email: false, sms: false, web: true } })).status).toBe(200);
    expect((await http('POST', url('notifications', '/subscriptions'), { customerId: 'lp-ada', sku, kind: 'back-in-stock' })).status).toBe(201);
    expect((await http('POST', url('inventory', `/skus/${sku}/receipts`), { quantity: 10 })).status).toBe(200);

    const cart = await http<{ cartId: string }>('POST', url('carts', '/carts'), { customerId: 'lp-ada' });
    expect(cart.status).toBe(201);
    expect((await http('PUT', url('carts', `/carts/${cart.body.cartId}/lines/${sku}`), { quantity: 3 })).status).toBe(200);
    const checkout = await http<{ orderId: string }>('POST', url('carts', `/carts/${cart.body.cartId}/checkout`));
    expect(checkout.status).toBe(202);

    const order = await eventually(() => http<{ status: string }>('GET', url('orders', `/orders/${checkout.body.orderId}`)), (r) => r.body?.status === 'confirmed', 30_000, 'the order to be confirmed');
    expect(order.body.status).toBe('confirmed');
    expect((await http('GET', url('inventory', `/skus/${sku}`))).body).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
    const view = await eventually(
      () => listAll<{ orderId: string; status: string }>(url('projections', '/views/customers/lp-ada/orders')),
      (orders) => orders[0]?.status === 'confirmed',
      30_000,
      'the order in the read model',
    );
    expect(view.map((o) => o.orderId)).toEqual([checkout.body.orderId]);
    const inbox = await eventually(() => listAll<{ sku: string }>(url('notifications', '/customers/lp-ada/notifications')), (items) => items.length === 1, 30_000, 'the web notification');
    expect(inbox[0]).toMatchObject({ sku });
  });
});
