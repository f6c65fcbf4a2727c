// The built entry point (`node apps/inventory/dist/main.js`), as npm start and the containers run it.
import { describe, expect, it } from '@jest/globals';
import { uniqueNamespace } from '@stockflow/messaging/testing';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { uniqueSchemaName } from '@stockflow/postgres';
import { InventoryConfig } from './inventory-config.js';
import { FaultProxy, freePort, removeIsolation, runEntry } from '@stockflow/testing';

function run(env: Record<string, string>): { exited: Promise<{ code: number | null; signal: string | null; stderr: string }>; kill: (signal: NodeJS.Signals) => void } {
  const entry = runEntry(env);
  return { exited: entry.exit.then(({ code, signal }) => ({ code, signal, stderr: entry.stderr() })), kill: (signal) => entry.child.kill(signal) };
}

describe('inventory configuration', () => {
  it('defaults to port 3002, schema inventory and service name inventory', () => {
    const config = loadConfig(InventoryConfig, {});
    expect(config).toMatchObject({ SERVICE_NAME: 'inventory', PORT: 3002, DB_SCHEMA: 'inventory', HOST: '127.0.0.1', SKU_STATE_CACHE_SIZE: 10_000 });
    expect(loadConfig(InventoryConfig, { PORT: '4002', DB_SCHEMA: 'inv2', SKU_STATE_CACHE_SIZE: '0' })).toMatchObject({ PORT: 4002, DB_SCHEMA: 'inv2', SKU_STATE_CACHE_SIZE: 0 });
  });

  it('names every bad variable', () => {
    expect(() => loadConfig(InventoryConfig, { PORT: 'abc', DB_SCHEMA: 'Inventory!', SKU_STATE_CACHE_SIZE: '-1' })).toThrow(ConfigError);
    try {
      loadConfig(InventoryConfig, { PORT: 'abc', DB_SCHEMA: 'Inventory!', SKU_STATE_CACHE_SIZE: '-1' });
    } catch (error) {
      expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['DB_SCHEMA', 'PORT', 'SKU_STATE_CACHE_SIZE']);
    }
  });
});

describe('dist/main.js', () => {
  it('prints the configuration errors and exits 1', async () => {
    const { exited } = run({ PORT: 'abc', SKU_STATE_CACHE_SIZE: 'lots', NATS_URL: 'localhost:4222' });
    const { code, stderr } = await exited;
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^inventory: Invalid configuration for inventory: /);
    expect(lines[0]).toContain('PORT must be an integer between 1 and 65535 (got "abc")');
    expect(lines[0]).toContain('NATS_URL must be a comma-separated list of nats:// or tls:// or ws:// or wss:// URLs (got "localhost:4222")');
    expect(lines[0]).toContain('SKU_STATE_CACHE_SIZE must be an integer between 0 and 10000000 (got "lots")');
  }, 30_000);

  it('refuses to run without authentication outside development, naming AUTH_ISSUER (ADR 0025)', async () => {
    for (const mode of [{ STOCKFLOW_ENV: 'production' }, { STOCKFLOW_ENV: '', NODE_ENV: '' }] as Record<string, string>[]) {
      const { exited } = run({ ...mode, PORT: String(await freePort()) });
      const { code, stderr } = await exited;
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        "inventory: Invalid configuration for inventory: AUTH_ISSUER must be the OpenID Provider's issuer URL outside development " +
          '(without it every caller would be an operator; STOCKFLOW_ENV=development allows running without authentication) (missing)',
      );
    }
  }, 30_000);

  it('started while NATS does not answer, keeps trying (ADR 0019) and serves once it does', async () => {
    const schema = uniqueSchemaName('t_inv_late');
    const namespace = uniqueNamespace();
    const port = await freePort();
    const nats = await FaultProxy.start({ host: '127.0.0.1', port: 4222 });
    await nats.cut();
    const entry = runEntry({ PORT: String(port), DB_SCHEMA: schema, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn', NATS_URL: nats.proxiedUrl('nats://127.0.0.1:4222') });
    try {
      const until = Date.now() + 20_000;
      while (!entry.stderr().includes('NATS is unavailable while starting') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(entry.stderr()).toMatch(/inventory: NATS is unavailable while starting \(\w+\); trying again in \d+ ms \(attempt \d+\)/);
      expect(entry.child.exitCode).toBeNull();
      const cutAt = Date.now();
      await nats.restore();
      let ready: Response | null = null;
      while (!ready?.ok && Date.now() - cutAt < 30_000) {
        ready = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
        if (!ready?.ok) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready?.status).toBe(200);
      console.info(`inventory ready ${Date.now() - cutAt} ms after NATS answered`);
    } finally {
      entry.child.kill('SIGKILL');
      await nats.close();
      await removeIsolation({ schema, namespace });
    }
  }, 60_000);

  it('starts, serves, and stops cleanly on SIGTERM', async () => {
    const schema = uniqueSchemaName('t_inv_main');
    const namespace = uniqueNamespace();
    const port = await freePort();
    const child = run({ PORT: String(port), DB_SCHEMA: schema, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn' });
    try {
      let ready: Response | null = null;
      for (let i = 0; i < 200 && !ready?.ok; i++) {
        ready = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
        if (!ready?.ok) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready?.status).toBe(200);
      const registered = await fetch(`http://127.0.0.1:${port}/skus`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'MAIN-1', name: 'main' }) });
      expect(registered.status).toBe(201);
      child.kill('SIGTERM');
      const { code, signal } = await child.exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
      await removeIsolation({ schema, namespace });
    }
  }, 60_000);
});
