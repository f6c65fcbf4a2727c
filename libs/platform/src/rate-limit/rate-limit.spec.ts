// Rate limits against the real Redis on this machine (REDIS_URL, default redis://127.0.0.1:6379),
// with a key prefix of this run's own that afterAll deletes.
import { afterAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { FastifyRequest } from 'fastify';
import { BaseServiceConfig, callerIdentity, createService, loadConfig, OPEN_ACCESS_CALLER, setRequestCaller, type Service } from '../index.js';

@Controller()
class ThingsController {
  @Get('things')
  list() {
    return { items: [] };
  }

  @Get('customers/:id/things')
  ofCustomer(@Param('id') id: string) {
    return { customerId: id };
  }

  @Post('orders')
  order(@Body() body: unknown) {
    return body;
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('rate limits (Redis)', () => {
  const prefix = `t${randomBytes(5).toString('hex')}:rl:`;
  const redis = new Redis(REDIS_URL);
  const services: Service[] = [];

  async function start(env: Record<string, string>, beforeListen?: (service: Service) => void): Promise<{ service: Service; url: string }> {
    const config = loadConfig(BaseServiceConfig, {
      PORT: '3000',
      DB_SCHEMA: 'things',
      LOG_LEVEL: 'silent',
      REDIS_URL,
      RATE_LIMIT_KEY_PREFIX: prefix,
      ...env,
    });
    const service = await createService({ name: 'limited', module: ThingsModule, config, port: 0, shutdownHooks: false });
    services.push(service);
    beforeListen?.(service);
    return { service, url: await service.listen() };
  }

  async function keys(): Promise<string[]> {
    return redis.keys(`${prefix}*`);
  }

  afterAll(async () => {
    await Promise.all(services.map((s) => s.close()));
    const left = await keys();
    if (left.length) await redis.del(...left);
    expect(await keys()).toEqual([]);
    await redis.quit();
  });

  it('answers 429 problem+json with Retry-After and the RateLimit fields after the per-IP limit', async () => {
    const { url } = await start({ RATE_LIMIT_PER_IP: '5', RATE_LIMIT_PER_IDENTITY: '100', RATE_LIMIT_WINDOW_MS: '60000', RATE_LIMIT_KEY_PREFIX: `${prefix}ip:` });
    for (let i = 1; i <= 5; i++) {
      const ok = await request(url).get('/things').expect(200);
      expect(ok.headers['ratelimit-policy']).toBe('"ip";q=5;w=60');
      expect(ok.headers['ratelimit']).toMatch(new RegExp(`^"ip";r=${5 - i};t=\\d+$`));
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(5 - i));
    }
    const refused = await request(url).get('/things').expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit']).toMatch(/^"ip";r=0;t=\d+$/);
    expect(refused.body).toMatchObject({ type: 'https://stockflow.dev/problems/too-many-requests', status: 429, policy: 'ip', limit: 5, windowSeconds: 60 });
    // Every route of the service counts against the same address, unknown ones and health included.
    await request(url).get('/health/live').expect(429);
    // The counter lives in Redis under the run's prefix, expiring with the window.
    const stored = await keys();
    expect(stored.some((k) => k.startsWith(`${prefix}ip:`) && k.includes('ip:'))).toBe(true);
    const ttl = await redis.pttl(stored.find((k) => k.startsWith(`${prefix}ip:`))!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('limits per customer: the customer in the path or the body, while other customers pass', async () => {
    const { url } = await start({ RATE_LIMIT_PER_IP: '1000', RATE_LIMIT_PER_IDENTITY: '3', RATE_LIMIT_KEY_PREFIX: `${prefix}id:` });
    for (let i = 0; i < 3; i++) await request(url).get('/customers/ada/things').expect(200);
    const refused = await request(url).get('/customers/ada/things').expect(429);
    expect(refused.body).toMatchObject({ status: 429, policy: 'identity', limit: 3 });
    expect(refused.headers['ratelimit-policy']).toBe('"identity";q=3;w=60');
    // The same customer named in a body is the same identity.
    await request(url).post('/orders').send({ customerId: 'ada' }).expect(429);
    await request(url).get('/customers/bob/things').expect(200);
    await request(url).post('/orders').send({ customerId: 'cy' }).expect(201);
    // A request about no customer is limited per IP only.
    for (let i = 0; i < 5; i++) await request(url).get('/things').expect(200);
  });

  it('counts once for every replica sharing Redis', async () => {
    const env = { RATE_LIMIT_PER_IP: '4', RATE_LIMIT_KEY_PREFIX: `${prefix}shared:` };
    const a = await start(env);
    const b = await start(env);
    await request(a.url).get('/things').expect(200);
    await request(b.url).get('/things').expect(200);
    await request(a.url).get('/things').expect(200);
    await request(b.url).get('/things').expect(200);
    await request(a.url).get('/things').expect(429);
    await request(b.url).get('/things').expect(429);
  });

  it('the identity is the authenticated caller (the sub the AuthGuard leaves on the request) over the customer a request names', () => {
    const about = (params: Record<string, string>, url: string, body?: unknown) => ({ params, routeOptions: { url }, body }) as unknown as FastifyRequest;
    const operator = about({ id: 'x1' }, '/customers/:id/things');
    setRequestCaller(operator, { kind: 'operator', subject: 'op', scopes: new Set(['operator']) });
    expect(callerIdentity(operator)).toBe('sub:op');
    expect(callerIdentity(about({ id: 'x1' }, '/customers/:id/things'))).toBe('customer:x1');
    expect(callerIdentity(about({}, '/orders', { customerId: 'ada' }))).toBe('customer:ada');
    expect(callerIdentity(about({ id: 'c1' }, '/carts/:id'))).toBeNull();
    // Authentication off (no AUTH_ISSUER): every request carries the same stand-in caller, which is no identity.
    const open = about({ id: 'x2' }, '/customers/:id/things');
    setRequestCaller(open, OPEN_ACCESS_CALLER);
    expect(callerIdentity(open)).toBe('customer:x2');
  });

  it('lets requests through when Redis cannot be reached (an outage of the limiter is not an outage of the API)', async () => {
    const { url } = await start({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_PER_IP: '1', RATE_LIMIT_KEY_PREFIX: `${prefix}down:` });
    await request(url).get('/things').expect(200);
    await request(url).get('/things').expect(200);
  });

  it('counts in memory without REDIS_URL (development), the same limits', async () => {
    const config = loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'things', LOG_LEVEL: 'silent', RATE_LIMIT_PER_IP: '2' });
    const service = await createService({ name: 'local', module: ThingsModule, config, port: 0, shutdownHooks: false });
    services.push(service);
    const url = await service.listen();
    await request(url).get('/things').expect(200);
    await request(url).get('/things').expect(200);
    await request(url).get('/things').expect(429);
  });
});
