// The built entry point as a real process: configuration errors, and waiting for the schema.
import { describe, expect, it } from '@jest/globals';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

function run(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [resolve(process.cwd(), 'dist/main.js')], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, output })));
}

describe('notifier main', () => {
  it('prints every invalid variable and exits 1', async () => {
    const { code, output } = await run({ SMS_PROVIDERS: '[]', SMTP_PORT: 'x', WAVE_SIZE: '0', INVENTORY_URL: 'inventory' });
    expect(code).toBe(1);
    expect(output).toContain('notifier: Invalid configuration for notifier: ');
    expect(output).toContain('SMS_PROVIDERS must be a JSON array');
    expect(output).toContain('SMTP_PORT must be an integer between 1 and 65535');
    expect(output).toContain('WAVE_SIZE must be an integer between 1 and 10000');
    expect(output).toContain('INVENTORY_URL must be');
  });

  it('refuses to start on a schema the notifications service has not created', async () => {
    const schema = uniqueSchemaName('t_nonotif');
    try {
      const { code, output } = await run({ DB_SCHEMA: schema, SCHEMA_WAIT_MS: '300', PORT: String(20000 + Math.floor(Math.random() * 20000)) });
      expect(code).toBe(1);
      expect(output).toContain('lacks notifications-001-read-models: start the notifications service');
    } finally {
      // The platform created the event store in it before the notifier gave up.
      const pool = createPool({ max: 1 });
      await dropSchema(pool, schema);
      await pool.end();
    }
  }, 30_000);
});
