// Test support (not used by main.ts): the carts service in-process against the real PostgreSQL and
// NATS, in a schema and a subject namespace of its own that `stop()` removes. What every service's
// tests share is in @stockflow/testing; here is only what is the carts service's own.
import { startServiceUnderTest, type ServiceUnderTest, TEST_RATE_LIMITS } from '@stockflow/testing';
import request from 'supertest';
import { CartsConfig } from '../carts-config.js';
import { startCartsService } from '../carts-service.js';

export interface CartsTestService extends ServiceUnderTest {
  /** Opens a cart for `customerId` and returns its id. */
  createCart(customerId?: string): Promise<string>;
}

export async function startCartsTestService(): Promise<CartsTestService> {
  const service = await startServiceUnderTest('t_carts', ({ schema, namespace }, options) =>
    startCartsService(Object.assign(new CartsConfig(), { DB_SCHEMA: schema, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn' as const, ...TEST_RATE_LIMITS }), options),
  );
  return {
    ...service,
    async createCart(customerId = 'customer-1') {
      const response = await request(service.server).post('/carts').send({ customerId }).expect(201);
      return (response.body as { cartId: string }).cartId;
    },
  };
}

/** Path segments that are not cart ids (already URL-encoded where needed). */
export const badCartIds: readonly { readonly name: string; readonly segment: string }[] = [
  { name: 'a word', segment: 'not-a-uuid' },
  { name: 'a number', segment: '42' },
  { name: 'a UUID with a non-hex digit', segment: 'g0000000-0000-4000-8000-000000000000' },
  { name: 'a UUID without dashes', segment: '0b5a3c9e7d1f4c2a9e8b3f6d2a1c4b5e' },
  { name: 'a UUID with a suffix', segment: '0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e0' },
  { name: 'an encoded slash', segment: 'a%2Fb' },
  { name: 'a NUL', segment: '%00' },
  { name: 'a quote and spaces', segment: "1'%20OR%20'1'%3D'1" },
];

/** Path segments that are not SKUs (already URL-encoded). */
export const badSkus: readonly { readonly name: string; readonly segment: string }[] = [
  { name: 'a space', segment: 'a%20b' },
  { name: '65 characters', segment: 'S'.repeat(65) },
  { name: 'an encoded slash', segment: 'a%2Fb' },
  { name: 'a NUL', segment: '%00' },
  { name: 'a non-ASCII letter', segment: '%C3%A9' },
  { name: 'a comma', segment: 'a%2Cb' },
  { name: 'a plus sign', segment: 'a+b' },
];
