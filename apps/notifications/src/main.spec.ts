// The built entry point (dist/main.js, built before the tests) as a real process.
import { afterAll, describe, expect, it } from '@jest/globals';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const entry = resolve(process.cwd(), 'dist/main.js');

function run(env: Record<string, string>): { child: ChildProcess; output: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, output: () => output, exit };
}

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
    const process = run({ PORT: 'eighty', UNSUBSCRIBE_SECRET: 'short', SSE_POLL_MS: '1' });
    started.push(process.child);
    expect(await process.exit).toEqual({ code: 1, signal: null });
    const output = process.output();
    expect(output).toContain('notifications: Invalid configuration for notifications: ');
    expect(output).toContain('PORT must be an integer between 1 and 65535 (got "eighty")');
    expect(output).toContain('UNSUBSCRIBE_SECRET must be a secret of at least 16 characters');
    expect(output).toContain('SSE_POLL_MS must be an integer between 50 and 60000');
  });

  it('serves until SIGTERM, then exits 0', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const process = run({ PORT: String(port), DB_SCHEMA: schema });
    started.push(process.child);
    const url = `http://127.0.0.1:${port}`;
    let ready: Response | null = null;
    for (let i = 0; i < 150 && !ready?.ok; i++) {
      if (process.child.exitCode !== null) throw new Error(`notifications exited early:\n${process.output()}`);
      ready = await fetch(`${url}/health/ready`).catch(() => null);
      if (!ready?.ok) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready?.status).toBe(200);
    const created = await fetch(`${url}/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customerId: 'smoke', sku: 'S-1' }) });
    expect(created.status).toBe(201);
    const docs = await fetch(`${url}/docs-json`);
    expect(docs.status).toBe(200);
    const document = (await docs.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).sort()).toEqual([
      '/customers/{id}/notifications',
      '/customers/{id}/notifications/stream',
      '/customers/{id}/notifications/{nid}/read',
      '/customers/{id}/preferences',
      '/customers/{id}/subscriptions',
      '/subscriptions',
      '/subscriptions/{id}',
      '/unsubscribe',
      '/webhooks/sms',
    ]);
    process.child.kill('SIGTERM');
    expect(await process.exit).toEqual({ code: 0, signal: null });
  });
});
