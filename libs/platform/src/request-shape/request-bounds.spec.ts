import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsInt, ValidateNested } from 'class-validator';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { createService, type Service } from '../bootstrap.js';
import { BaseServiceConfig } from '../config/base-service-config.js';
import { ProblemTypes } from '../problem-details/problem-details.js';
import { BoundedRequest } from './request-bounds.js';
import { checkRequestShape } from './request-shape.js';

/** How often class-transformer mapped an item: a refused body must not get that far. */
let mapped = 0;

class ItemDto {
  @Transform(({ value }) => {
    mapped++;
    return value as unknown;
  })
  @IsInt()
  n!: number;
}

class ItemsDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ItemDto)
  items!: ItemDto[];
}

@Controller()
class BoundsController {
  @Post('bounded')
  @HttpCode(200)
  @BoundedRequest({ maxBodyBytes: 2048, maxArrayItems: 5, maxDepth: 3 })
  bounded(@Body() body: ItemsDto): { items: number } {
    return { items: body.items.length };
  }

  @Post('plain')
  @HttpCode(200)
  plain(@Body() body: ItemsDto): { items: number } {
    return { items: body.items.length };
  }
}

@Module({ controllers: [BoundsController] })
class BoundsModule {}

const REQUEST_TIMEOUT_MS = 1_000;

describe('request bounds (ADR 0022)', () => {
  let service: Service;
  let url: string;

  beforeAll(async () => {
    const config = Object.assign(new BaseServiceConfig(), { PORT: 0, DB_SCHEMA: 'bounds' });
    service = await createService({
      name: 'bounds',
      module: BoundsModule,
      config,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      openApi: { title: 'bounds', version: '1' },
      shutdownHooks: false,
      logDestination: { write: () => true } as never,
    });
    url = await service.listen();
  });
  afterAll(async () => {
    await service.close();
  });

  const items = (count: number) => ({ items: Array.from({ length: count }, (_, n) => ({ n })) });

  it('accepts a body within the route bounds', async () => {
    const res = await request(url).post('/bounded').send(items(5));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: 5 });
  });

  it('refuses a declared Content-Length over the route limit with 413 before mapping anything', async () => {
    const before = mapped;
    const res = await request(url).post('/bounded').set('content-type', 'application/json').send(JSON.stringify({ items: [], pad: 'x'.repeat(2100) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: ProblemTypes.payloadTooLarge, status: 413 });
    // The rest of the body is not read: the connection closes after the answer.
    expect(res.headers['connection']).toBe('close');
    expect(mapped).toBe(before);
  });

  it('cuts off a body sent without a length at the limit (chunked)', async () => {
    const res = await fetch(`${url}/bounded`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`{"items":[],"pad":"${'x'.repeat(4096)}"}`));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses too many array items (413) and too deep a body (400, the request-shape guard of ADR 0027) before object mapping and validation', async () => {
    const before = mapped;
    const many = await request(url).post('/bounded').send(items(6));
    expect(many.status).toBe(413);
    expect(many.headers['content-type']).toContain('application/problem+json');
    expect(many.body).toMatchObject({ type: ProblemTypes.payloadTooLarge, code: 'too-many-items' });
    expect(many.body.detail).toContain('items has 6 items');
    const deep = await request(url).post('/bounded').send({ items: [{ n: { a: 1 } }] });
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({ type: ProblemTypes.malformedRequest, code: 'too-deep' });
    expect(deep.body.detail).toContain('nested deeper than 3');
    expect(mapped).toBe(before);
  });

  it('applies the defaults to a route that declares none: 16 KiB, 100 items, depth 32 — also 8,000 levels deep within the size', async () => {
    expect((await request(url).post('/plain').send(items(100))).status).toBe(200);
    expect((await request(url).post('/plain').send(items(101))).body.code).toBe('too-many-items');
    const big = await request(url).post('/plain').set('content-type', 'application/json').send(JSON.stringify({ items: [], pad: 'x'.repeat(16 * 1024) }));
    expect(big.status).toBe(413);
    const deep = await request(url).post('/plain').set('content-type', 'application/json').send(`{"items":${'['.repeat(8000)}${']'.repeat(8000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe('too-deep');
  });

  it('documents the route bounds in OpenAPI', () => {
    const operation = (service.openApiDocument!.paths['/bounded']!.post ?? {}) as Record<string, unknown> & { responses: Record<string, unknown> };
    expect(operation['x-request-bounds']).toEqual({ maxBodyBytes: 2048, maxArrayItems: 5, maxDepth: 3 });
    expect(operation.responses['413']).toBeDefined();
  });

  it('cuts off a client that declares 100 body bytes and sends 5, with 408 problem+json', async () => {
    const { port } = new URL(url);
    const started = performance.now();
    const outcome = await new Promise<{ answer: string; ms: number }>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /bounded HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ite');
      });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('close', () => resolve({ answer, ms: performance.now() - started }));
      socket.on('error', reject);
      socket.setTimeout(30_000, () => reject(new Error('not cut off within 30 s')));
    });
    console.log(`slow body (100 bytes declared, 5 sent) cut off after ${Math.round(outcome.ms)} ms (request timeout ${REQUEST_TIMEOUT_MS} ms)`);
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(outcome.answer).toContain('application/problem+json');
    expect(JSON.parse(outcome.answer.slice(outcome.answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 408, title: 'Request Timeout' });
    // The service still answers others.
    expect((await request(url).post('/bounded').send(items(1))).status).toBe(200);
  });

  it('walks shapes iteratively, depth and items in one walk', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 200_000; i++) nested = [nested];
    const shape = (body: unknown) => ({ params: {}, query: {}, headers: {}, body });
    const bounds = { maxArrayItems: 10, maxDepth: 10 };
    expect(() => checkRequestShape(shape(nested), bounds)).toThrow(expect.objectContaining({ problem: expect.objectContaining({ code: 'too-deep' }) }));
    expect(() => checkRequestShape(shape({ a: [1, 2, { b: Array(11).fill(0) }] }), bounds)).toThrow(
      expect.objectContaining({ problem: expect.objectContaining({ code: 'too-many-items', status: 413 }) }),
    );
    expect(() => checkRequestShape(shape({ a: [1, 2, { b: [3] }] }), bounds)).not.toThrow();
  });
});
