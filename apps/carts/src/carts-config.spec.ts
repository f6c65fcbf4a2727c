import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { CartsConfig } from './carts-config.js';

describe('CartsConfig', () => {
  it('defaults to port 3003, schema carts and the local PostgreSQL and NATS', () => {
    expect(loadConfig(CartsConfig, {})).toMatchObject({
      SERVICE_NAME: 'carts',
      PORT: 3003,
      DB_SCHEMA: 'carts',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      NATS_URL: 'nats://127.0.0.1:4222',
      LOG_LEVEL: 'info',
      CART_STATE_CACHE_SIZE: 10_000,
    });
  });

  it('reads overrides from the environment', () => {
    const config = loadConfig(CartsConfig, { PORT: '8080', DB_SCHEMA: 'carts_eu', NATS_NAMESPACE: 'tenant1', CART_STATE_CACHE_SIZE: '50' });
    expect(config).toMatchObject({ PORT: 8080, DB_SCHEMA: 'carts_eu', NATS_NAMESPACE: 'tenant1', CART_STATE_CACHE_SIZE: 50 });
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig(CartsConfig, { PORT: '0', DB_SCHEMA: 'Carts!', CART_STATE_CACHE_SIZE: 'lots' }, { service: 'carts' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['CART_STATE_CACHE_SIZE', 'DB_SCHEMA', 'PORT']);
    expect((error as ConfigError).message).toContain('Invalid configuration for carts: ');
  });
});
