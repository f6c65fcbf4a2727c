// The built entry point (dist/main.js, built before the tests) as a real process.
import { afterAll, describe, expect, it } from '@jest/globals';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { runEntry, untilReady } from '@stockflow/testing';
import type { ChildProcess } from 'node:child_process';

describe('notifications main', () => {
  const schema = uniqueSchemaName('t_notif_main');
  const started: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const pool = createPool({ max: 1 });
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('prints every invalid variable and exits 1', async () => {
    const process = runEntry({ PORT: 'eighty', UNSUBSCRIBE_SECRET: 'short', SSE_POLL_MS: '1' });
    started.push(process.child);
    expect(await process.exit).toEqual({ code: 1, signal: null });
    const output = process.output();
    expect(output).toContain('notifications: Invalid configuration for notifications: ');
    expect(output).toContain('PORT must be an integer between 1 and 65535 (got "eighty")');
    expect(output).toContain('UNSUBSCRIBE_SECRET must be a secret of at least 16 characters');
    expect(output).toContain('SSE_POLL_MS must be an integer between 50 and 60000');
  });

  it('refuses to start outside development with the development unsubscribe secret, naming it, not its value', async () => {
    const process = runEntry({ STOCKFLOW_ENV: '', NODE_ENV: '', AUTH_ISSUER: 'http://127.0.0.1:9', PORT: String(20000 + Math.floor(Math.random() * 20000)), DB_SCHEMA: schema });
    started.push(process.child);
    expect(await process.exit).toEqual({ code: 1, signal: null });
    expect(process.output()).toContain('notifications: Invalid configuration for notifications: UNSUBSCRIBE_SECRET must be a secret of your own outside development (this one ships with the code; STOCKFLOW_ENV=development allows it) (value hidden)');
    expect(process.output()).not.toContain('stockflow-dev-unsubscribe-secret-change-me');
  });

  it('refuses EventStoreDB in one line: its decisions commit events with its own rows (ADR 0046)', async () => {
    const process = runEntry({
      STOCKFLOW_ENV: 'development',
      PORT: String(20000 + Math.floor(Math.random() * 20000)),
      DB_SCHEMA: schema,
      // Never contacted: the refusal comes from the adapter's declared capabilities.
      EVENTSTORE_URL: 'esdb://127.0.0.1:9?tls=false',
    });
    started.push(process.child);
    expect(await process.exit).toEqual({ code: 1, signal: null });
    const refusal = process.output().split('\n').filter((line) => line.startsWith('notifications: '));
    expect(refusal).toEqual([
      'notifications: event store without transactions: the notifications API commits events together with its own rows, so notifications needs the PostgreSQL event store: unset EVENTSTORE_URL (ADR 0046)',
    ]);
    expect(process.output()).not.toContain('    at ');
  });

  it('serves until SIGTERM, then exits 0', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const process = runEntry({ STOCKFLOW_ENV: 'development', PORT: String(port), DB_SCHEMA: schema });
    started.push(process.child);
    const url = `http://127.0.0.1:${port}`;
    const ready = await untilReady(url, process, 'notifications');
    expect(ready?.status).toBe(200);
    const created = await fetch(`${url}/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customerId: 'smoke', sku: 'S-1' }) });
    expect(created.status).toBe(201);
    const docs = await fetch(`${url}/docs-json`);
    expect(docs.status).toBe(200);
    const document = (await docs.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).sort()).toEqual([
      '/customers/{id}',
      '/customers/{id}/contacts/{channel}/confirm',
      '/customers/{id}/notifications',
      '/customers/{id}/notifications/stream',
      '/customers/{id}/notifications/{nid}/read',
      '/customers/{id}/preferences',
      '/customers/{id}/subscriptions',
      '/subscriptions',
      '/subscriptions/{id}',
      '/unsubscribe',
      '/webhooks/email/events',
      '/webhooks/sms',
      '/webhooks/sms/status',
    ]);
    process.child.kill('SIGTERM');
    expect(await process.exit).toEqual({ code: 0, signal: null });
  });
});
