// The built entry point (dist/main.js, built before the tests) as a real process.
import { afterAll, describe, expect, it } from '@jest/globals';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { runEntry, untilReady } from '@stockflow/testing';
import type { ChildProcess } from 'node:child_process';

describe('carts main', () => {
  const schema = uniqueSchemaName('t_carts_main');
  const started: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const pool = createPool({ max: 1 });
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('prints every invalid variable and exits 1', async () => {
    const process = runEntry({ PORT: 'eighty', DB_SCHEMA: 'no-dashes', NATS_URL: 'localhost:4222' });
    started.push(process.child);
    expect(await process.exit).toEqual({ code: 1, signal: null });
    const output = process.output();
    expect(output).toContain('carts: Invalid configuration for carts: ');
    expect(output).toContain('PORT must be an integer between 1 and 65535 (got "eighty")');
    expect(output).toContain('DB_SCHEMA must be a lower-case SQL identifier');
    expect(output).toContain('NATS_URL must be');
    expect(output).not.toContain('    at '); // a message, not a stack trace
  });

  it('serves until SIGTERM, then exits 0', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const process = runEntry({ PORT: String(port), DB_SCHEMA: schema });
    started.push(process.child);
    const url = `http://127.0.0.1:${port}`;
    const ready = await untilReady(url, process, 'carts');
    expect(ready?.status).toBe(200);
    const created = await fetch(`${url}/carts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customerId: 'smoke' }) });
    expect(created.status).toBe(201);
    const docs = await fetch(`${url}/docs-json`);
    expect(docs.status).toBe(200);
    process.child.kill('SIGTERM');
    expect(await process.exit).toEqual({ code: 0, signal: null });
  });
});
