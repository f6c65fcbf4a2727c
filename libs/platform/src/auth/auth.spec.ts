import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, HttpCode, Module, Param, Post, Sse } from '@nestjs/common';
import { startDevIdentityProvider, type DevIdentityProvider } from '@stockflow/dev-identity';
import { IsString } from 'class-validator';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import http from 'node:http';
import { interval, map, take, type Observable } from 'rxjs';
import request from 'supertest';
import {
  AcceptsStreamTicket,
  Authenticated,
  BaseServiceConfig,
  CurrentCaller,
  ForCustomers,
  OperatorOnly,
  Public,
  assertActsForThemselves,
  assertOwnResource,
  createService,
  loadConfig,
  type Caller,
  type Service,
} from '../index.js';

class OrderBody {
  @IsString()
  customerId!: string;
}

const ORDERS: Record<string, string> = { 'order-a': 'customer-a', 'order-b': 'customer-b' };

@Controller()
class ShopController {
  @Get('catalogue')
  @Public()
  catalogue() {
    return { items: [] };
  }

  @Get('stock')
  @Authenticated()
  stock(@CurrentCaller() caller: Caller) {
    return { kind: caller.kind };
  }

  @Get('orders/:id')
  @ForCustomers()
  order(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    assertOwnResource(caller, ORDERS[id], 'order');
    return { orderId: id, customerId: ORDERS[id] };
  }

  @Post('orders')
  @ForCustomers()
  @HttpCode(201)
  place(@Body() body: OrderBody, @CurrentCaller() caller: Caller) {
    assertActsForThemselves(caller, body.customerId);
    return { orderId: 'order-new' };
  }

  @Post('admin/rebuild')
  @OperatorOnly()
  @HttpCode(202)
  rebuild() {
    return { started: true };
  }

  @Get('unmarked')
  unmarked() {
    return { reached: true };
  }

  @Sse('customers/:id/stream')
  @ForCustomers()
  @AcceptsStreamTicket()
  stream(@Param('id') id: string, @CurrentCaller() caller: Caller): Observable<{ data: unknown }> {
    assertOwnResource(caller, id, 'customer');
    return interval(10).pipe(
      take(1),
      map(() => ({ data: { hello: caller.subject } })),
    );
  }
}

@Module({ controllers: [ShopController] })
class ShopModule {}

describe('authentication and authorisation (platform guard, jose verifier, development identity provider)', () => {
  let idp: DevIdentityProvider;
  let service: Service;
  let server: http.Server;
  let customerA: string;
  let customerB: string;
  let operator: string;
  let scraper: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    idp = await startDevIdentityProvider({ port: 0, development: true });
    const config = loadConfig(BaseServiceConfig, { PORT: '1', DB_SCHEMA: 'unused', AUTH_ISSUER: idp.issuer, CORS_ORIGINS: 'http://console.example' });
    service = await createService({ name: 'shop', module: ShopModule, config, openApi: { title: 'shop', version: '1' }, shutdownHooks: false, logDestination: { write: (line: string) => void logLines.push(line) } });
    await service.init();
    server = service.app.getHttpServer() as http.Server;
    customerA = (await idp.mint('customer-a', 'customer')).access_token;
    customerB = (await idp.mint('customer-b', 'customer')).access_token;
    operator = (await idp.mint('ada', 'operator')).access_token;
    scraper = (await idp.mint('prometheus', 'metrics')).access_token;
  });
  afterAll(async () => {
    await service?.close();
    await idp?.close();
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  it('answers anonymous callers 401 with WWW-Authenticate on every non-public route, and lets them reach public ones', async () => {
    for (const [method, path] of [
      ['get', '/stock'],
      ['get', '/orders/order-a'],
      ['post', '/orders'],
      ['post', '/admin/rebuild'],
      ['get', '/unmarked'],
      ['get', '/metrics'],
      ['get', '/customers/customer-a/stream'],
      ['post', '/auth/stream-tickets'],
    ] as const) {
      const response = await request(server)[method](path).send({});
      expect([method, path, response.status]).toEqual([method, path, 401]);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="stockflow"');
    }
    expect((await request(server).get('/catalogue')).status).toBe(200);
    expect((await request(server).get('/health/live')).status).toBe(200);
  });

  it('refuses a malformed, forged, wrong-audience or unsigned token with 401 invalid_token', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ scope: 'operator' })
      .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
      .setIssuer(idp.issuer)
      .setAudience('stockflow')
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ iss: idp.issuer, aud: 'stockflow', sub: 'mallory', scope: 'operator', exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url');
    const unsigned = `${header}.${body}.`;
    const hs = await new SignJWT({ scope: 'operator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(idp.issuer)
      .setAudience('stockflow')
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey))));
    for (const authorization of ['Bearer', 'Basic YTpi', 'Bearer not-a-jwt', `Bearer ${forged}`, `Bearer ${unsigned}`, `Bearer ${hs}`]) {
      const response = await request(server).get('/stock').set('authorization', authorization);
      expect([authorization.slice(0, 20), response.status]).toEqual([authorization.slice(0, 20), 401]);
      expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    }
  });

  it('customers reach their own resources; another customer’s answer 404; a body naming another customer is 403', async () => {
    expect((await request(server).get('/orders/order-a').set(as(customerA))).body).toEqual({ orderId: 'order-a', customerId: 'customer-a' });
    const other = await request(server).get('/orders/order-b').set(as(customerA));
    expect(other.status).toBe(404);
    expect(other.body.detail).toBe('No such order.');
    // The same answer as for an order that does not exist: ids of others do not leak.
    expect((await request(server).get('/orders/order-none').set(as(customerA))).body.detail).toBe('No such order.');
    expect((await request(server).post('/orders').set(as(customerA)).send({ customerId: 'customer-a' })).status).toBe(201);
    const forOther = await request(server).post('/orders').set(as(customerA)).send({ customerId: 'customer-b' });
    expect(forOther.status).toBe(403);
    expect(forOther.body.errors).toEqual([{ field: 'customerId', messages: ['customerId must be the authenticated customer'] }]);
  });

  it('customers on operator routes (marked, or unmarked) get 403; operators reach them and may read customer resources but not write them', async () => {
    for (const [method, path] of [
      ['post', '/admin/rebuild'],
      ['get', '/unmarked'],
      ['get', '/metrics'],
    ] as const) {
      const response = await request(server)[method](path).set(as(customerB));
      expect([path, response.status]).toEqual([path, 403]);
      expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
    }
    expect((await request(server).post('/admin/rebuild').set(as(operator))).status).toBe(202);
    expect((await request(server).get('/unmarked').set(as(operator))).status).toBe(200);
    expect((await request(server).get('/orders/order-b').set(as(operator))).status).toBe(200);
    expect((await request(server).post('/orders').set(as(operator)).send({ customerId: 'customer-b' })).status).toBe(403);
    expect((await request(server).get('/stock').set(as(operator))).body).toEqual({ kind: 'operator' });
  });

  it('metrics are for operators and metrics scrapers; readiness shows details only to them', async () => {
    expect((await request(server).get('/metrics').set(as(scraper))).status).toBe(200);
    expect((await request(server).get('/metrics').set(as(operator))).status).toBe(200);
    const anonymous = await request(server).get('/health/ready');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: 'ok' });
    const detailed = await request(server).get('/health/ready').set(as(scraper));
    expect(detailed.body).toHaveProperty('info');
    expect((await request(server).get('/health/ready').set('authorization', 'Bearer junk')).status).toBe(401);
  });

  it('opens an SSE stream with a short-lived ticket bound to the caller and the path', async () => {
    const issued = await request(server).post('/auth/stream-tickets').set(as(customerA)).send({ path: '/customers/customer-a/stream' });
    expect(issued.status).toBe(201);
    expect(issued.body.expiresIn).toBe(60);
    const stream = await request(server).get(`/customers/customer-a/stream?ticket=${issued.body.ticket}`);
    expect(stream.status).toBe(200);
    expect(stream.text).toContain('"hello":"customer-a"');
    // A ticket opens only its path; a ticket for someone else's stream is still someone else's.
    // On a route that takes no ticket, `ticket` is an undeclared query parameter: refused, never read (ADR 0027).
    const elsewhere = await request(server).get(`/stock?ticket=${issued.body.ticket}`);
    expect({ status: elsewhere.status, errors: elsewhere.body.errors }).toEqual({ status: 400, errors: [{ field: 'ticket', messages: ['property ticket should not exist'] }] });
    expect((await request(server).get(`/customers/customer-b/stream?ticket=${issued.body.ticket}`)).status).toBe(401);
    const forB = await request(server).post('/auth/stream-tickets').set(as(customerA)).send({ path: '/customers/customer-b/stream' });
    expect((await request(server).get(`/customers/customer-b/stream?ticket=${forB.body.ticket}`)).status).toBe(404);
    expect((await request(server).get('/customers/customer-a/stream?ticket=garbage')).status).toBe(401);
    expect((await request(server).post('/auth/stream-tickets').set(as(customerA)).send({ path: 'http://elsewhere/x' })).status).toBe(400);
    // A ticket is a credential: the request log shows the path, never the ticket.
    expect(logLines.join('')).toContain('/customers/customer-a/stream?ticket=[redacted]');
    expect(logLines.join('')).not.toContain(String(issued.body.ticket));
    expect(logLines.join('')).not.toContain(customerA);
  });

  it('declares the security of every operation in the OpenAPI document', () => {
    const document = service.openApiDocument!;
    expect(document.components?.securitySchemes).toMatchObject({
      oidc: { type: 'openIdConnect', openIdConnectUrl: `${idp.issuer}/.well-known/openid-configuration` },
      streamTicket: { type: 'apiKey', in: 'query', name: 'ticket' },
    });
    const op = (path: string, method: string) => (document.paths[path] as Record<string, { security?: unknown }>)[method]!;
    expect(op('/catalogue', 'get').security).toEqual([]);
    expect(op('/stock', 'get').security).toEqual([{ oidc: [] }]);
    expect(op('/orders/{id}', 'get').security).toEqual([{ oidc: ['customer'] }, { oidc: ['operator'] }]);
    expect(op('/admin/rebuild', 'post').security).toEqual([{ oidc: ['operator'] }]);
    expect(op('/unmarked', 'get').security).toEqual([{ oidc: ['operator'] }]);
    expect(op('/customers/{id}/stream', 'get').security).toEqual([{ oidc: ['customer'] }, { oidc: ['operator'] }, { streamTicket: [] }]);
    expect(JSON.stringify(document)).not.toContain('x-stockflow');
  });

  it('sends security headers (helmet) and CORS headers to allowed origins only', async () => {
    const response = await request(server).get('/catalogue').set('origin', 'http://console.example');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['access-control-allow-origin']).toBe('http://console.example');
    const stranger = await request(server).get('/catalogue').set('origin', 'http://evil.example');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 503 (not 401) while the identity provider cannot be reached for its keys', async () => {
    const gone = await startDevIdentityProvider({ port: 0, development: true });
    const token = (await gone.mint('customer-a', 'customer')).access_token;
    await gone.close();
    const config = loadConfig(BaseServiceConfig, { PORT: '1', DB_SCHEMA: 'unused', AUTH_ISSUER: gone.issuer });
    const orphan = await createService({ name: 'orphan', module: ShopModule, config, shutdownHooks: false });
    try {
      await orphan.init();
      const response = await request(orphan.app.getHttpServer()).get('/stock').set(as(token));
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('2');
      expect(response.body.dependency).toBe('identity-provider');
    } finally {
      await orphan.close();
    }
  });
});
