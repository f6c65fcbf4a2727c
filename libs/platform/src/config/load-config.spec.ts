import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseServiceConfig, ConfigError, EnvBoolean, EnvInt, EnvOptional, EnvString, isDevelopment, loadConfig, refuseDevelopmentSecrets } from '../index.js';

class InventoryConfig extends BaseServiceConfig {
  override SERVICE_NAME = 'inventory';

  @EnvInt({ min: 1, max: 100 })
  RESERVATION_BATCH: number = 10;

  @EnvOptional()
  @EnvBoolean()
  RELAY_ENABLED?: boolean;

  @EnvOptional()
  @EnvString()
  FEATURE?: string;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and converts values', () => {
    const config = loadConfig(InventoryConfig, { PORT: '3001', DB_SCHEMA: 'inventory', RELAY_ENABLED: 'false', UNRELATED: 'x' });
    expect(config).toBeInstanceOf(InventoryConfig);
    expect(config).toMatchObject({
      SERVICE_NAME: 'inventory',
      PORT: 3001,
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      DB_SCHEMA: 'inventory',
      NATS_URL: 'nats://127.0.0.1:4222',
      LOG_LEVEL: 'info',
      RESERVATION_BATCH: 10,
      RELAY_ENABLED: false,
    });
    expect(config).not.toHaveProperty('UNRELATED');
    expect(config.FEATURE).toBeUndefined();
  });

  it('overrides defaults from the environment and treats empty variables as absent', () => {
    const config = loadConfig(InventoryConfig, {
      PORT: '8080',
      HOST: '0.0.0.0',
      DB_SCHEMA: 'inv',
      DATABASE_URL: 'postgresql://app:secret@db:5432/stockflow',
      NATS_URL: 'nats://a:4222,nats://b:4222',
      LOG_LEVEL: 'debug',
      RESERVATION_BATCH: '',
    });
    expect(config).toMatchObject({ PORT: 8080, HOST: '0.0.0.0', LOG_LEVEL: 'debug', RESERVATION_BATCH: 10, NATS_URL: 'nats://a:4222,nats://b:4222' });
  });

  it('lists every bad or missing variable with what is expected', () => {
    const error = configError(() =>
      loadConfig(InventoryConfig, {
        PORT: 'abc',
        DATABASE_URL: 'mysql://db/x',
        NATS_URL: 'localhost:4222',
        LOG_LEVEL: 'loud',
        RESERVATION_BATCH: '1000',
        RELAY_ENABLED: 'maybe',
      }),
    );
    expect(error.message).toContain('Invalid configuration for inventory: ');
    expect(error.message).toContain('PORT must be an integer between 1 and 65535 (got "abc")');
    expect(error.message).toContain('DB_SCHEMA must be a lower-case SQL identifier such as "inventory" (missing)');
    expect(error.message).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL (got "mysql://db/x")');
    expect(error.message).toContain('NATS_URL must be a comma-separated list of nats:// or tls:// or ws:// or wss:// URLs (got "localhost:4222")');
    expect(error.message).toContain('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")');
    expect(error.message).toContain('RESERVATION_BATCH must be an integer between 1 and 100 (got "1000")');
    expect(error.message).toContain('RELAY_ENABLED must be true or false (got "maybe")');
    expect(error.issues.map((i) => i.variable).sort()).toEqual(
      ['DATABASE_URL', 'DB_SCHEMA', 'LOG_LEVEL', 'NATS_URL', 'PORT', 'RELAY_ENABLED', 'RESERVATION_BATCH'].sort(),
    );
    expect(error.issues.find((i) => i.variable === 'DB_SCHEMA')).toEqual({
      variable: 'DB_SCHEMA',
      expected: 'a lower-case SQL identifier such as "inventory"',
      received: undefined,
    });
  });

  it('rejects a port out of range and a non-integer port', () => {
    expect(configError(() => loadConfig(BaseServiceConfig, { PORT: '70000', DB_SCHEMA: 'x' })).message).toBe(
      'Invalid configuration for BaseServiceConfig: PORT must be an integer between 1 and 65535 (got "70000")',
    );
    expect(configError(() => loadConfig(BaseServiceConfig, { PORT: '80.5', DB_SCHEMA: 'x' }, { service: 'carts' })).message).toBe(
      'Invalid configuration for carts: PORT must be an integer between 1 and 65535 (got "80.5")',
    );
  });

  it('names the service from SERVICE_NAME', () => {
    expect(configError(() => loadConfig(BaseServiceConfig, { SERVICE_NAME: 'orders', DB_SCHEMA: 'x' })).message).toBe(
      'Invalid configuration for orders: PORT must be an integer between 1 and 65535 (missing)',
    );
  });

  it('reads process.env by default', () => {
    const saved = { ...process.env };
    try {
      process.env['PORT'] = '4000';
      process.env['DB_SCHEMA'] = 'carts';
      expect(loadConfig(BaseServiceConfig).PORT).toBe(4000);
    } finally {
      process.env = saved;
    }
  });

  it('reads the NATS user and password, and never shows a bad password in the error', () => {
    const ok = loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'orders', NATS_USER: 'relay-orders', NATS_PASSWORD: 'a-long-enough-password-1' });
    expect(ok).toMatchObject({ NATS_USER: 'relay-orders', NATS_PASSWORD: 'a-long-enough-password-1' });
    const error = configError(() => loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'orders', NATS_USER: 'Bad User', NATS_PASSWORD: 'short secret' }, { service: 'orders' }));
    expect(error.message).toContain('NATS_PASSWORD must be a password of at least 16 characters without spaces (value hidden)');
    expect(error.message).toContain('NATS_USER must be a NATS user name');
    expect(error.message).not.toContain('short secret');
    expect(JSON.stringify(error.issues)).not.toContain('short secret');
  });

  it('reads <VAR>_FILE as the variable (a secret mounted as a file), refuses both at once and an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockflow-config-'));
    try {
      const password = join(dir, 'nats-password');
      writeFileSync(password, 'a-long-enough-password-1\n');
      const ok = loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'orders', NATS_USER: 'relay-orders', NATS_PASSWORD_FILE: password });
      expect(ok.NATS_PASSWORD).toBe('a-long-enough-password-1');
      const both = configError(() =>
        loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'orders', NATS_USER: 'relay-orders', NATS_PASSWORD: 'another-long-password', NATS_PASSWORD_FILE: password }),
      );
      expect(both.message).toContain('NATS_PASSWORD_FILE must be unset when NATS_PASSWORD is set');
      const missing = configError(() => loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'orders', NATS_PASSWORD_FILE: join(dir, 'absent') }));
      expect(missing.message).toContain('NATS_PASSWORD_FILE must be a readable, non-empty file');
      writeFileSync(password, 'short secret\n');
      const bad = configError(() => loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'orders', NATS_USER: 'relay-orders', NATS_PASSWORD_FILE: password }));
      expect(bad.message).toContain('NATS_PASSWORD must be a password of at least 16 characters without spaces (value hidden)');
      expect(bad.message).not.toContain('short secret');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('development mode (ADR 0027)', () => {
  const defaults = { UNSUBSCRIBE_SECRET: ['stockflow-dev-unsubscribe-secret-change-me'] };

  it('is STOCKFLOW_ENV=development, or NODE_ENV=development when STOCKFLOW_ENV is unset; anything else is production', () => {
    const load = (env: Record<string, string>) => isDevelopment(loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'x', ...env }));
    expect(load({ STOCKFLOW_ENV: 'development' })).toBe(true);
    expect(load({ NODE_ENV: 'development' })).toBe(true);
    expect(load({ STOCKFLOW_ENV: 'production', NODE_ENV: 'development' })).toBe(false);
    expect(load({ STOCKFLOW_ENV: 'test' })).toBe(false);
    expect(load({ NODE_ENV: 'production' })).toBe(false);
    expect(load({})).toBe(false);
    expect(() => load({ STOCKFLOW_ENV: 'dev' })).toThrow(/STOCKFLOW_ENV must be one of development, test, production/);
  });

  it('refuses a secret that ships with the code outside development, naming the variable and hiding the value', () => {
    const config = { UNSUBSCRIBE_SECRET: 'stockflow-dev-unsubscribe-secret-change-me' };
    expect(() => refuseDevelopmentSecrets('notifications', config, defaults)).toThrow(ConfigError);
    expect(() => refuseDevelopmentSecrets('notifications', config, defaults)).toThrow(
      'Invalid configuration for notifications: UNSUBSCRIBE_SECRET must be a secret of your own outside development (this one ships with the code; STOCKFLOW_ENV=development allows it) (value hidden)',
    );
    expect(() => refuseDevelopmentSecrets('notifications', { ...config, STOCKFLOW_ENV: 'development' }, defaults)).not.toThrow();
    expect(() => refuseDevelopmentSecrets('notifications', { UNSUBSCRIBE_SECRET: 'a-secret-of-our-own-123' }, defaults)).not.toThrow();
  });
});
