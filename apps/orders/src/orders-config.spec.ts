import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { OrdersConfig } from './orders-config.js';

describe('OrdersConfig', () => {
  it('defaults: port 3001, schema orders, 30 s saga timeout swept every second', () => {
    expect(loadConfig(OrdersConfig, {})).toMatchObject({
      SERVICE_NAME: 'orders',
      PORT: 3001,
      DB_SCHEMA: 'orders',
      SAGA_TIMEOUT_MS: 30_000,
      SAGA_SWEEP_INTERVAL_MS: 1_000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
  });

  it('reads overrides from the environment', () => {
    expect(loadConfig(OrdersConfig, { PORT: '4001', DB_SCHEMA: 'orders_b', SAGA_TIMEOUT_MS: '5000', SAGA_SWEEP_INTERVAL_MS: '250' })).toMatchObject({
      PORT: 4001,
      DB_SCHEMA: 'orders_b',
      SAGA_TIMEOUT_MS: 5000,
      SAGA_SWEEP_INTERVAL_MS: 250,
    });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig(OrdersConfig, { SAGA_TIMEOUT_MS: '0', SAGA_SWEEP_INTERVAL_MS: 'often', DB_SCHEMA: 'Orders!' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('Invalid configuration for orders: ');
    expect(message).toContain('SAGA_TIMEOUT_MS must be an integer between 1 and 86400000 (got "0")');
    expect(message).toContain('SAGA_SWEEP_INTERVAL_MS must be an integer between 10 and 3600000 (got "often")');
    expect(message).toContain('DB_SCHEMA must be');
  });

  it('main exits 1 with the configuration errors, without a stack trace (built dist/main.js)', () => {
    const result = spawnSync(process.execPath, [resolve(process.cwd(), 'dist/main.js')], {
      env: { ...process.env, PORT: 'abc', SAGA_TIMEOUT_MS: '-5' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration for orders: ');
    expect(result.stderr).toContain('PORT must be an integer between 1 and 65535 (got "abc")');
    expect(result.stderr).toContain('SAGA_TIMEOUT_MS must be');
    expect(result.stderr).not.toContain('    at ');
  });
});
