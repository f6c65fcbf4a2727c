// The fault proxy in front of the real PostgreSQL: passes traffic through, and while cut, ends
// every connection and refuses new ones at once — then serves again on the same port.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, DEFAULT_DATABASE_URL } from '@stockflow/postgres';
import type { Pool } from 'pg';
import { FaultProxy } from './fault-proxy.js';

describe('FaultProxy', () => {
  const databaseUrl = process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
  let proxy: FaultProxy;
  let pool: Pool;

  beforeAll(async () => {
    proxy = await FaultProxy.start({ host: new URL(databaseUrl).hostname, port: Number(new URL(databaseUrl).port || 5432) });
    pool = createPool({ connectionString: proxy.proxiedUrl(databaseUrl), max: 2, applicationName: 'fault-proxy.spec', logger: { warn: () => undefined, info: () => undefined } });
  });
  afterAll(async () => {
    await pool.end();
    await proxy.close();
  });

  it('cuts open connections, refuses new ones until restored, then serves on the same port', async () => {
    expect(proxy.proxiedUrl('postgres://postgres@db.example:5432/postgres')).toBe(`postgres://postgres@127.0.0.1:${proxy.port}/postgres`);
    const client = await pool.connect();
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    const port = proxy.port;

    const inFlight = client.query('SELECT pg_sleep(5)').then(
      () => 'answered',
      (error: Error) => error.message,
    );
    await new Promise((r) => setTimeout(r, 100));
    await proxy.cut();
    expect(proxy.isUp).toBe(false);
    expect(await inFlight).toMatch(/Connection terminated|ECONNRESET/);
    expect(proxy.connectionsCut).toBeGreaterThanOrEqual(2); // the client's side and the server's
    client.release(true);

    const started = performance.now();
    await expect(pool.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(performance.now() - started).toBeLessThan(1_000);

    await proxy.restore();
    expect(proxy.port).toBe(port);
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('restores by itself after the given time', async () => {
    await proxy.cut(300);
    await new Promise((r) => setTimeout(r, 20)); // the pool hears of its idle connection's end
    await expect(pool.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await new Promise((r) => setTimeout(r, 500));
    expect(proxy.isUp).toBe(true);
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
