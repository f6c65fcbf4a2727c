import { describe, expect, it } from '@jest/globals';
import { renderNatsAuthorization } from '@stockflow/messaging';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { databaseRoles } from './database-roles.js';
import { findNatsServer } from './dev-servers/nats-server.js';
import { NATS_ADMIN_USER, NATS_USERS_CONFIG_HEADER, NATS_USERS_CONFIG_PATH, natsUsers } from './nats-users.js';

const root = resolve(process.cwd(), '../..');

describe('the NATS users generated from the manifest', () => {
  it('are what deploy/nats/stockflow-users.conf holds (run `npm run nats:config` after changing the manifest)', () => {
    expect(readFileSync(resolve(root, NATS_USERS_CONFIG_PATH), 'utf8')).toBe(renderNatsAuthorization(natsUsers(), NATS_USERS_CONFIG_HEADER));
  });

  it('make a configuration nats-server accepts, with every password from the environment and none in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockflow-nats-config-'));
    try {
      writeFileSync(join(dir, 'users.conf'), readFileSync(resolve(root, NATS_USERS_CONFIG_PATH)));
      writeFileSync(join(dir, 'server.conf'), 'listen: "127.0.0.1:4999"\ninclude ./users.conf\n');
      const env = Object.fromEntries(natsUsers().map((u) => [u.passwordVariable, 'x'.repeat(24)]));
      expect(execFileSync(findNatsServer()!, ['-t', '-c', join(dir, 'server.conf')], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: 'pipe' })).toBeDefined();
      const withoutOne = { ...process.env, ...env, [natsUsers()[0]!.passwordVariable]: undefined };
      expect(() => execFileSync(findNatsServer()!, ['-t', '-c', join(dir, 'server.conf')], { env: withoutOne, stdio: 'pipe' })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("let only a context's service (which may run its relay, ADR 0043) and its standalone relay publish onto the context's subjects", () => {
    for (const context of ['orders', 'inventory', 'carts', 'notifications']) {
      const publishers = natsUsers()
        .filter((u) => u.permissions !== 'all' && u.permissions.publish.allow.some((s) => s === `${context}.>` || s.startsWith(`${context}.`) || s === '>'))
        .map((u) => u.user);
      expect(publishers.sort()).toEqual([context, `relay-${context}`].sort());
    }
    expect(natsUsers().filter((u) => u.permissions === 'all').map((u) => u.user)).toEqual([NATS_ADMIN_USER]);
  });

  it('namespace every subject, stream and inbox of a test run', () => {
    const users = natsUsers({ namespace: 't1', schemaPrefix: 't1' });
    const orders = users.find((u) => u.user === 'orders')!.permissions;
    if (orders === 'all') throw new Error('orders must not have every subject');
    expect(orders.publish.allow).toEqual(expect.arrayContaining(['t1._appended.t1_orders', '$JS.API.CONSUMER.MSG.NEXT.T1_INVENTORY_EVENTS.orders-saga-inventory', 't1.dlq.orders-saga-inventory']));
    expect(orders.subscribe.allow).toEqual(['_INBOX_orders.>', 't1._appended.t1_orders']);
  });
});

describe('the PostgreSQL roles of the manifest', () => {
  it("give each schema one role, shared by the context's service, relay and workers", () => {
    expect(databaseRoles().map((r) => [r.role, r.schema, r.processes])).toEqual([
      ['stockflow_orders', 'orders', ['orders', 'relay-orders']],
      ['stockflow_inventory', 'inventory', ['inventory', 'relay-inventory']],
      ['stockflow_carts', 'carts', ['carts', 'relay-carts']],
      ['stockflow_notifications', 'notifications', ['notifications', 'relay-notifications', 'notifier']],
      ['stockflow_projections', 'projections', ['projections']],
    ]);
  });
});
