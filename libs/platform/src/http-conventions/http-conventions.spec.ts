import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, HttpCode, Module, Param, Post, Res } from '@nestjs/common';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { IsInt, Min } from 'class-validator';
import type { Pool } from 'pg';
import request from 'supertest';
import { BaseServiceConfig } from '../config/base-service-config.js';
import { createService, type Service } from '../bootstrap.js';
import { entityTag, IfMatchVersion } from './entity-tag.js';
import { HttpIdempotencyStore } from './http-idempotency-store.js';

class AddDto {
  @IsInt()
  @Min(1)
  amount!: number;
}

const counters = new Map<string, { total: number; version: number }>();
let executions = 0;

@Controller('counters')
class CountersController {
  @Post(':id/additions')
  @HttpCode(202)
  add(
    @Param('id') id: string,
    @Body() body: AddDto,
    @IfMatchVersion() expected: number | undefined,
    @Res({ passthrough: true }) reply: { header(n: string, v: string): void },
  ): { total: number; version: number } {
    executions++;
    const current = counters.get(id) ?? { total: 0, version: 0 };
    if (expected !== undefined && expected !== current.version) {
      const error = new Error('stale');
      error.name = 'ConcurrencyConflict';
      throw error;
    }
    const next = { total: current.total + body.amount, version: current.version + 1 };
    counters.set(id, next);
    reply.header('etag', entityTag(next.version));
    reply.header('location', `/counters/${id}`);
    return next;
  }

  @Get(':id')
  get(@Param('id') id: string, @Res({ passthrough: true }) reply: { header(n: string, v: string): void }): { total: number } {
    const current = counters.get(id) ?? { total: 0, version: 0 };
    reply.header('etag', entityTag(current.version));
    return { total: current.total };
  }
}

@Module({ controllers: [CountersController] })
class CountersModule {}

describe('HTTP conventions: Idempotency-Key and ETag / If-Match (real PostgreSQL)', () => {
  let pool: Pool;
  let service: Service;
  const schema = uniqueSchemaName('t_http');

  beforeAll(async () => {
    pool = createPool({ max: 4 });
    const config = Object.assign(new BaseServiceConfig(), { PORT: 1, DB_SCHEMA: schema });
    service = await createService({
      name: 'conventions',
      module: CountersModule,
      config,
      idempotency: await HttpIdempotencyStore.create(pool, schema),
      shutdownHooks: false,
      logDestination: { write: () => true } as never,
    });
    await service.init();
  });
  afterAll(async () => {
    await service.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('runs a POST once per key and replays its result', async () => {
    const server = service.app.getHttpServer();
    const first = await request(server).post('/counters/a/additions').set('Idempotency-Key', 'key-1').send({ amount: 5 });
    const replay = await request(server).post('/counters/a/additions').set('Idempotency-Key', 'key-1').send({ amount: 5 });
    expect(first.status).toBe(202);
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers.etag).toBe(first.headers.etag);
    expect(replay.headers.location).toBe('/counters/a');
    expect(counters.get('a')).toEqual({ total: 5, version: 1 });
    expect(executions).toBe(1);
  });

  it('answers 422 when the key is reused with another body, and changes nothing', async () => {
    const server = service.app.getHttpServer();
    await request(server).post('/counters/b/additions').set('Idempotency-Key', 'key-2').send({ amount: 1 }).expect(202);
    const reused = await request(server).post('/counters/b/additions').set('Idempotency-Key', 'key-2').send({ amount: 9 });
    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toContain('application/problem+json');
    expect(reused.body.type).toContain('idempotency-key-reused');
    expect(counters.get('b')!.total).toBe(1);
  });

  it('frees the key of a request that failed validation', async () => {
    const server = service.app.getHttpServer();
    await request(server).post('/counters/c/additions').set('Idempotency-Key', 'key-3').send({ amount: -1 }).expect(400);
    await request(server).post('/counters/c/additions').set('Idempotency-Key', 'key-3').send({ amount: -1 }).expect(400);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.http_idempotency WHERE idempotency_key = 'key-3'`);
    expect(rows[0].n).toBe(0);
  });

  it('serves ETag on reads and answers 412 to a stale If-Match, 400 to a malformed one', async () => {
    const server = service.app.getHttpServer();
    await request(server).post('/counters/d/additions').send({ amount: 2 }).expect(202);
    const read = await request(server).get('/counters/d').expect(200);
    expect(read.headers.etag).toBe('"1"');
    await request(server).post('/counters/d/additions').set('If-Match', read.headers.etag!).send({ amount: 1 }).expect(202);
    const stale = await request(server).post('/counters/d/additions').set('If-Match', read.headers.etag!).send({ amount: 1 });
    expect(stale.status).toBe(412);
    const malformed = await request(server).post('/counters/d/additions').set('If-Match', 'version-two').send({ amount: 1 });
    expect(malformed.status).toBe(400);
    expect(counters.get('d')!.total).toBe(3);
  });
});
