// The built entry point as a real process: configuration errors, and waiting for the schema.
import { describe, expect, it } from '@jest/globals';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { LATEST_NOTIFICATIONS_MIGRATION } from '@stockflow/notifications-store';
import { runEntry } from '@stockflow/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function run(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const entry = runEntry(env);
  const { code } = await entry.exit;
  return { code, output: entry.output() };
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

  it('refuses to start outside development with the secrets that ship with the code, naming them, not their values', async () => {
    for (const mode of [{}, { STOCKFLOW_ENV: 'production' }, { NODE_ENV: 'production' }]) {
      const { code, output } = await run({ STOCKFLOW_ENV: '', NODE_ENV: '', AUTH_ISSUER: 'http://127.0.0.1:9', ...mode, PORT: String(20000 + Math.floor(Math.random() * 20000)) });
      expect(code).toBe(1);
      expect(output).toContain('notifier: Invalid configuration for notifier: UNSUBSCRIBE_SECRET must be a secret of your own outside development');
      expect(output).toContain('SMS_PROVIDERS must be a secret of your own outside development');
      expect(output).not.toContain('stockflow-dev-unsubscribe-secret-change-me');
      expect(output).not.toContain('dev-token');
    }
  });

  it('refuses SMTP settings that would send a password in clear to another host, reading the password from a file and never printing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockflow-notifier-'));
    try {
      const passwordFile = join(dir, 'smtp-password');
      writeFileSync(passwordFile, 'a-very-secret-smtp-password\n');
      const { code, output } = await run({
        STOCKFLOW_ENV: 'development',
        SMTP_HOST: 'smtp.example.net',
        SMTP_TLS: 'starttls-if-offered',
        SMTP_USER: 'stockflow',
        SMTP_PASSWORD_FILE: passwordFile,
        PORT: String(20000 + Math.floor(Math.random() * 20000)),
      });
      expect(code).toBe(1);
      expect(output).toContain('notifier: Invalid configuration for notifier: SMTP_TLS must be starttls-required or implicit when SMTP_USER is set');
      expect(output).not.toContain('a-very-secret-smtp-password');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses EventStoreDB in one line, before it waits for any schema (ADR 0046)', async () => {
    const { code, output } = await run({ STOCKFLOW_ENV: 'development', EVENTSTORE_URL: 'esdb://127.0.0.1:9?tls=false', PORT: String(20000 + Math.floor(Math.random() * 20000)) });
    expect(code).toBe(1);
    expect(output.split('\n').filter((line) => line.startsWith('notifier: '))).toEqual([
      'notifier: event store without transactions: the notifier (deliveries and their outcomes) commits events together with its own rows, so notifier needs the PostgreSQL event store: unset EVENTSTORE_URL (ADR 0046)',
    ]);
  });

  it('refuses to start on a schema the notifications service has not created', async () => {
    const schema = uniqueSchemaName('t_nonotif');
    try {
      const { code, output } = await run({ STOCKFLOW_ENV: 'development', DB_SCHEMA: schema, SCHEMA_WAIT_MS: '300', PORT: String(20000 + Math.floor(Math.random() * 20000)) });
      expect(code).toBe(1);
      expect(output).toContain(`lacks ${LATEST_NOTIFICATIONS_MIGRATION}: start the notifications service`);
    } finally {
      // The platform created the event store in it before the notifier gave up.
      const pool = createPool({ max: 1 });
      await dropSchema(pool, schema);
      await pool.end();
    }
  }, 30_000);
});
