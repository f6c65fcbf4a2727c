import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, HttpCode, Module, Param, Post, Put } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyConflict, DomainError } from '@stockflow/event-sourcing';
import { ContractViolation } from '@stockflow/contracts';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsInt, IsNotEmpty, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import http from 'node:http';
import pg from 'pg';
import request from 'supertest';
import {
  BaseServiceConfig,
  INTERNAL_ERROR_DETAIL,
  PROBLEM_TYPE_BASE,
  ProblemTypes,
  ServiceMetrics,
  createService,
  currentEventMetadata,
  loadConfig,
  parseTraceparent,
  requestContext,
  type Service,
} from './index.js';

class LineDto {
  @IsString()
  @IsNotEmpty()
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

class AddressDto {
  @IsString()
  city!: string;
}

class CreateOrderDto {
  @IsString()
  @IsNotEmpty()
  customerId!: string;

  @IsArray()
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => LineDto)
  lines!: LineDto[];

  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  shipTo?: AddressDto;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Controller('orders')
class OrdersController {
  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateOrderDto) {
    await delay(5);
    return {
      id: 'order-1',
      lines: dto.lines.length,
      firstLineIsDto: dto.lines[0] instanceof LineDto,
      context: requestContext() ?? null,
      metadata: currentEventMetadata('command-1'),
    };
  }

  @Get('context')
  async context() {
    await delay(5);
    return requestContext() ?? null;
  }

  @Get(':id')
  get(@Param('id') id: string) {
    if (id === 'missing') throw new DomainError('not-found', `order ${id} does not exist`, 'order-not-found');
    return { id };
  }

  @Post(':id/close')
  close() {
    throw new DomainError('conflict', 'the order is already closed', 'order-closed');
  }

  @Post(':id/checkout')
  checkout() {
    throw new DomainError('rejected', 'an empty order cannot be checked out', 'order-empty');
  }

  @Put(':id')
  replace(@Param('id') id: string) {
    throw new ConcurrencyConflict(`order-${id}`, '3', 4);
  }

  @Post(':id/events')
  events() {
    throw new ContractViolation('invalid-payload', 'OrderPlaced', 1, ['/lines: expected array']);
  }

  @Get(':id/boom')
  boom() {
    throw new Error('connection to db-password-hunter2 failed');
  }
}

@Module({ controllers: [OrdersController] })
class OrdersModule {}

const PROBLEM_CONTENT_TYPE = /^application\/problem\+json/;

describe('createService', () => {
  let service: Service;
  let pool: pg.Pool;
  let nats: NatsConnection;
  let url: string;
  let relayHealthy = true;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 2 });
    nats = await connect({ servers: 'nats://127.0.0.1:4222' });
    const config = loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'orders', LOG_LEVEL: 'silent' });
    service = await createService({
      name: 'orders',
      module: OrdersModule,
      config,
      port: 0,
      pool,
      nats,
      openApi: { title: 'Orders', version: '1.0.0', description: 'Test service' },
    });
    service.registerReadinessCheck('relay', async () => ({ healthy: relayHealthy, details: { lag: relayHealthy ? 0 : 5000 } }));
    url = await service.listen();
  });

  afterAll(async () => {
    await service?.close();
    await pool?.end();
    await nats?.close();
  });

  const validOrder = { customerId: 'c-1', lines: [{ sku: 'SKU-1', quantity: 2 }] };

  describe('validation', () => {
    it('accepts a valid body with 201 and transforms nested DTOs', async () => {
      const res = await request(url).post('/orders').send(validOrder);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: 'order-1', lines: 1, firstLineIsDto: true });
    });

    it('lists a missing field', async () => {
      const res = await request(url).post('/orders').send({ lines: validOrder.lines });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(res.body).toMatchObject({
        type: ProblemTypes.validation,
        title: 'Request validation failed',
        status: 400,
        instance: '/orders',
        errors: [{ field: 'customerId', messages: expect.arrayContaining(['customerId should not be empty']) }],
      });
      expect(typeof res.body.detail).toBe('string');
    });

    it('lists a field of the wrong type', async () => {
      const res = await request(url).post('/orders').send({ ...validOrder, lines: 'many' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'lines', messages: expect.arrayContaining(['lines must be an array']) }]);
    });

    it('rejects unknown fields, top-level and nested', async () => {
      const res = await request(url)
        .post('/orders')
        .send({ ...validOrder, discount: 10, lines: [{ sku: 'SKU-1', quantity: 1, price: 3 }] });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'discount', messages: ['property discount should not exist'] },
          { field: 'lines[0].price', messages: ['property price should not exist'] },
        ]),
      );
    });

    it('reports nested array items and nested objects by path', async () => {
      const res = await request(url)
        .post('/orders')
        .send({ customerId: 'c-1', lines: [{ sku: 'SKU-1', quantity: 1 }, { sku: '', quantity: 0 }], shipTo: { city: 42 } });
      expect(res.status).toBe(400);
      const fields = Object.fromEntries(res.body.errors.map((e: { field: string; messages: string[] }) => [e.field, e.messages]));
      expect(Object.keys(fields).sort()).toEqual(['lines[1].quantity', 'lines[1].sku', 'shipTo.city']);
      expect(fields['lines[1].quantity']).toEqual(['quantity must not be less than 1']);
    });

    it('answers malformed JSON with 400 problem+json', async () => {
      const res = await request(url).post('/orders').set('Content-Type', 'application/json').send('{"customerId": ');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(res.body).toMatchObject({ type: ProblemTypes.malformedRequest, status: 400, instance: '/orders' });
    });

    it('answers an empty JSON body with 400 problem+json', async () => {
      const res = await request(url).post('/orders').set('Content-Type', 'application/json').send('');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ type: ProblemTypes.malformedRequest, status: 400 });
    });

    it('answers a body over the limit with 413 problem+json', async () => {
      const big = { ...validOrder, note: 'x'.repeat(1024 * 1024 + 10) };
      const res = await request(url).post('/orders').send(big);
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(res.body).toMatchObject({ type: ProblemTypes.payloadTooLarge, status: 413 });
    });

    it('answers an unsupported content type with 415 problem+json', async () => {
      const res = await request(url).post('/orders').set('Content-Type', 'text/csv').send('a,b');
      expect(res.status).toBe(415);
      expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(res.body).toMatchObject({ type: ProblemTypes.unsupportedMediaType, status: 415 });
    });
  });

  describe('errors', () => {
    it('maps DomainError kinds to 404 / 409 / 422 with their code', async () => {
      const notFound = await request(url).get('/orders/missing');
      expect(notFound.status).toBe(404);
      expect(notFound.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(notFound.body).toMatchObject({
        type: ProblemTypes.notFound,
        status: 404,
        detail: 'order missing does not exist',
        code: 'order-not-found',
        instance: '/orders/missing',
      });
      const conflict = await request(url).post('/orders/o-1/close');
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({ type: ProblemTypes.conflict, code: 'order-closed' });
      const rejected = await request(url).post('/orders/o-1/checkout');
      expect(rejected.status).toBe(422);
      expect(rejected.body).toMatchObject({ type: ProblemTypes.businessRuleViolation, code: 'order-empty' });
    });

    it('maps ConcurrencyConflict to 412 with If-Match and 409 without', async () => {
      const conditional = await request(url).put('/orders/o-1').set('If-Match', '"3"').send({});
      expect(conditional.status).toBe(412);
      expect(conditional.body).toMatchObject({ type: ProblemTypes.preconditionFailed, status: 412 });
      const unconditional = await request(url).put('/orders/o-1').send({});
      expect(unconditional.status).toBe(409);
      expect(unconditional.body).toMatchObject({ type: ProblemTypes.concurrencyConflict, status: 409 });
    });

    it('maps ContractViolation to 422', async () => {
      const res = await request(url).post('/orders/o-1/events');
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ type: ProblemTypes.contractViolation, status: 422, code: 'invalid-payload' });
    });

    it('answers an unexpected error with a generic 500 problem that leaks nothing', async () => {
      const res = await request(url).get('/orders/o-1/boom').set('X-Correlation-Id', 'corr-boom');
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(res.body).toEqual({
        type: ProblemTypes.internal,
        title: 'Internal Server Error',
        status: 500,
        detail: INTERNAL_ERROR_DETAIL,
        instance: '/orders/o-1/boom',
        correlationId: 'corr-boom',
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      expect(res.text).not.toContain('hunter2');
      expect(res.text).not.toContain('at ');
    });

    it('answers an unknown route with 404 problem+json', async () => {
      const res = await request(url).get('/nowhere?token=secret');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(res.body).toMatchObject({ type: ProblemTypes.notFound, status: 404, instance: '/nowhere' });
    });

    it('uses one type URI base', () => {
      for (const type of Object.values(ProblemTypes)) expect(type.startsWith(PROBLEM_TYPE_BASE)).toBe(true);
    });
  });

  describe('health', () => {
    it('is live', async () => {
      const res = await request(url).get('/health/live');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
    });

    it('is ready with real PostgreSQL and NATS', async () => {
      const res = await request(url).get('/health/ready');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        info: { postgres: { status: 'up' }, nats: { status: 'up' }, relay: { status: 'up', lag: 0 } },
      });
    });

    it('answers 503 problem+json with details when a check fails', async () => {
      relayHealthy = false;
      try {
        const res = await request(url).get('/health/ready');
        expect(res.status).toBe(503);
        expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
        expect(res.body).toMatchObject({
          type: ProblemTypes.serviceUnavailable,
          status: 503,
          instance: '/health/ready',
          checks: {
            status: 'error',
            info: { postgres: { status: 'up' }, nats: { status: 'up' } },
            error: { relay: { status: 'down', lag: 5000 } },
          },
        });
        expect(res.body.detail).toContain('relay');
      } finally {
        relayHealthy = true;
      }
    });

    it('reports a check that throws or hangs as down', async () => {
      service.registerReadinessCheck('flaky', async () => {
        throw new Error('broker unreachable');
      });
      service.registerReadinessCheck('slow', () => new Promise(() => {}), { timeoutMs: 50 });
      try {
        const res = await request(url).get('/health/ready');
        expect(res.status).toBe(503);
        expect(res.body.checks.error).toMatchObject({
          flaky: { status: 'down', message: 'broker unreachable' },
          slow: { status: 'down', message: 'timeout of 50ms exceeded' },
        });
      } finally {
        service.readiness.unregister('flaky');
        service.readiness.unregister('slow');
      }
    });
  });

  describe('metrics', () => {
    it('exposes the HTTP histogram by route pattern in the Prometheus format', async () => {
      await request(url).get('/orders/o-42').expect(200);
      const res = await request(url).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.text).toContain('# TYPE http_server_request_duration_seconds histogram');
      expect(res.text).toMatch(/http_server_request_duration_seconds_count\{method="GET",route="\/orders\/:id",status_code="200"\} [1-9]/);
      expect(res.text).not.toContain('route="/orders/o-42"');
      expect(res.text).toContain('process_cpu_user_seconds_total');
      for (const name of ['events_appended_total', 'relay_lag_events', 'relay_published_total', 'relay_foreign_messages_total', 'consumer_lag_messages', 'consumer_handled_total', 'dead_letters_total']) {
        expect(res.text).toContain(`# TYPE ${name}`);
      }
    });

    it('shows updates of the named metrics', async () => {
      service.metrics.eventsAppended.inc({ stream_category: 'order' }, 3);
      service.metrics.deadLetters.inc({ consumer: 'inventory', reason: 'contract-violation' });
      const res = await request(url).get('/metrics');
      expect(res.text).toContain('events_appended_total{stream_category="order"} 3');
      expect(res.text).toContain('dead_letters_total{consumer="inventory",reason="contract-violation"} 1');
    });

    it('keeps a registry per app', () => {
      const other = new ServiceMetrics({ defaultMetrics: false });
      expect(other.registry).not.toBe(service.metrics.registry);
    });
  });

  describe('trace context', () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    it('continues the caller trace and makes the correlation id visible in the handler', async () => {
      const res = await request(url).post('/orders').set('traceparent', incoming).set('X-Correlation-Id', 'corr-123').send(validOrder);
      expect(res.status).toBe(201);
      const echoed = parseTraceparent(res.headers['traceparent']);
      expect(echoed?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(echoed?.spanId).not.toBe('00f067aa0ba902b7');
      expect(res.headers['x-correlation-id']).toBe('corr-123');
      // Seen in a POST handler after the body was parsed and after an await.
      expect(res.body.context).toMatchObject({
        correlationId: 'corr-123',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        parentSpanId: '00f067aa0ba902b7',
        traceparent: res.headers['traceparent'],
        service: 'orders',
      });
      expect(res.body.metadata).toEqual({ correlationId: 'corr-123', causationId: 'command-1', traceparent: res.headers['traceparent'] });
    });

    it('starts a new trace and correlation id when none is sent', async () => {
      const res = await request(url).get('/orders/context');
      expect(res.status).toBe(200);
      const echoed = parseTraceparent(res.headers['traceparent']);
      expect(echoed).not.toBeNull();
      expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body).toMatchObject({ correlationId: res.headers['x-correlation-id'], traceId: echoed!.traceId, parentSpanId: null });
    });

    it('replaces an invalid traceparent and an unsafe correlation id', async () => {
      const res = await request(url)
        .get('/orders/context')
        .set('traceparent', '00-00000000000000000000000000000000-00f067aa0ba902b7-01')
        .set('X-Correlation-Id', 'bad id\twith spaces');
      const echoed = parseTraceparent(res.headers['traceparent']);
      expect(echoed).not.toBeNull();
      expect(echoed!.traceId).not.toBe('0'.repeat(32));
      expect(res.headers['x-correlation-id']).not.toContain('bad id');
    });

    it('echoes both headers on error responses too', async () => {
      const res = await request(url).post('/orders').set('traceparent', incoming).set('X-Correlation-Id', 'corr-err').send({});
      expect(res.status).toBe(400);
      expect(res.headers['x-correlation-id']).toBe('corr-err');
      expect(parseTraceparent(res.headers['traceparent'])?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(res.body).toMatchObject({ correlationId: 'corr-err', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    });

    it('keeps the context on malformed bodies', async () => {
      const res = await request(url).post('/orders').set('X-Correlation-Id', 'corr-bad-json').set('Content-Type', 'application/json').send('{');
      expect(res.status).toBe(400);
      expect(res.headers['x-correlation-id']).toBe('corr-bad-json');
      expect(res.body.correlationId).toBe('corr-bad-json');
    });

    it('keeps the context when the body arrives after the headers', async () => {
      // The body is read from socket events that do not run in the request's async context.
      const body = JSON.stringify(validOrder);
      const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-correlation-id': 'corr-slow' },
        });
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.flushHeaders();
        setTimeout(() => req.end(body), 50);
      });
      expect(response.status).toBe(201);
      expect(JSON.parse(response.body).context).toMatchObject({ correlationId: 'corr-slow' });
    });

    it('has no context outside a request', () => {
      expect(requestContext()).toBeUndefined();
      const metadata = currentEventMetadata();
      expect(metadata.causationId).toBeNull();
      expect(parseTraceparent(metadata.traceparent)).not.toBeNull();
    });
  });

  describe('OpenAPI', () => {
    it('serves the document at /docs-json and the UI at /docs', async () => {
      const json = await request(url).get('/docs-json');
      expect(json.status).toBe(200);
      expect(json.body).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: { title: 'Orders', version: '1.0.0', description: 'Test service' } });
      expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/orders', '/orders/{id}']));
      expect(Object.keys(json.body.paths)).not.toContain('/metrics');
      const ui = await request(url).get('/docs').redirects(1);
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger-ui');
    });
  });
});

describe('createService with getHttpServer()', () => {
  it('works with supertest against the Node server and a configurable body limit', async () => {
    const config = loadConfig(BaseServiceConfig, { PORT: '3001', DB_SCHEMA: 'orders', LOG_LEVEL: 'silent' });
    const service = await createService({ name: 'small', module: OrdersModule, config, bodyLimit: 1024, shutdownHooks: false });
    try {
      await service.init();
      const server = service.app.getHttpServer();
      await request(server).post('/orders').send({ customerId: 'c', lines: [{ sku: 'a', quantity: 1 }] }).expect(201);
      const res = await request(server).post('/orders').send({ customerId: 'x'.repeat(2000), lines: [] });
      expect(res.status).toBe(413);
      expect(res.body.type).toBe(ProblemTypes.payloadTooLarge);
      await request(server).get('/health/ready').expect(200); // no checks registered
    } finally {
      await service.close();
    }
  });
});
