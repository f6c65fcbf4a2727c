import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, HttpCode, Module, Param, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import request from 'supertest';
import { BaseServiceConfig, IsIdentifier, ProblemTypes, createService, loadConfig, type Service } from '../index.js';

class NoteDto {
  @IsString()
  @MaxLength(200)
  text!: string;
}

class CommandDto {
  @IsIdentifier()
  customerId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => NoteDto)
  notes?: NoteDto[];
}

class ListQuery {
  @IsOptional()
  @IsString()
  cursor?: string;

  @IsOptional()
  @IsIdentifier()
  customerId?: string;
}

class IdParams {
  @IsIdentifier()
  id!: string;
}

@Controller('things')
class ThingsController {
  @Post()
  @HttpCode(201)
  create(@Body() dto: CommandDto) {
    return { customerId: dto.customerId, reason: dto.reason ?? null };
  }

  @Get()
  list(@Query() query: ListQuery) {
    return { items: [], cursor: query.cursor ?? null };
  }

  @Get(':id')
  get(@Param() params: IdParams) {
    return { id: params.id };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const nested = (depth: number, open = '[', close = ']'): string => open.repeat(depth) + close.repeat(depth);
const nestedObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('the request-shape guard', () => {
  let service: Service;
  let url: string;

  beforeAll(async () => {
    const config = loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'things', LOG_LEVEL: 'silent' });
    // 1 MiB: the bodies 100,000 levels deep (200 KB) reach the walk instead of the 16 KiB default body limit.
    service = await createService({ name: 'things', module: ThingsModule, config, port: 0, bodyLimit: 1024 * 1024 });
    url = await service.listen();
  });

  afterAll(async () => {
    await service?.close();
  });

  const expectProblem = (response: request.Response, status: number, type?: string) => {
    expect({ status: response.status, body: response.body as unknown }).toMatchObject({ status, body: { status } });
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.correlationId).toEqual(expect.any(String));
    if (type) expect(response.body.type).toBe(type);
  };

  it('lets an ordinary request through', async () => {
    await request(url).post('/things').send({ customerId: 'Jürgen 42', reason: 'line\nbreaks are fine in text', notes: [{ text: '😀' }] }).expect(201);
    await request(url).get('/things?cursor=abc').expect(200);
    await request(url).get('/things/c-1').set('If-Match', '"3"').expect(200);
  });

  it.each([
    ['NUL in an identifier', { customerId: 'a\u0000b' }, 'customerId'],
    ['NUL in free text', { customerId: 'c-1', reason: 'x\u0000y' }, 'reason'],
    ['a lone surrogate in free text', { customerId: 'c-1', reason: 'x\ud800y' }, 'reason'],
    ['a lone surrogate deep inside', { customerId: 'c-1', notes: [{ text: 'ok' }, { text: '\udc00' }] }, 'notes[1].text'],
  ])('refuses %s with 400 on the field', async (_name, body, field) => {
    const response = await request(url).post('/things').set('content-type', 'application/json').send(JSON.stringify(body));
    expectProblem(response, 400, ProblemTypes.validation);
    expect(response.body.errors).toEqual([expect.objectContaining({ field })]);
  });

  it('refuses a lone surrogate sent as a JSON escape', async () => {
    const response = await request(url).post('/things').set('content-type', 'application/json').send('{"customerId":"c-1","reason":"x\\ud800y"}');
    expectProblem(response, 400, ProblemTypes.validation);
  });

  it.each(['prototype', 'constructor'])('refuses a %s field like any unknown field', async (key) => {
    const response = await request(url).post('/things').set('content-type', 'application/json').send(`{"customerId":"c-1","${key}":{"x":1}}`);
    expectProblem(response, 400);
    expect(JSON.stringify(response.body)).toContain(key);
    const nestedKey = await request(url).post('/things').set('content-type', 'application/json').send(`{"customerId":"c-1","notes":[{"text":"a","${key}":1}]}`);
    expectProblem(nestedKey, 400);
  });

  it.each([
    ['arrays 100,000 deep', nested(100_000)],
    ['objects 100,000 deep', nestedObject(100_000)],
    ['objects 33 deep', nestedObject(33)],
  ])('refuses a body nested %s before mapping it', async (_name, body) => {
    const started = performance.now();
    const response = await request(url).post('/things').set('content-type', 'application/json').send(body);
    console.log(`request-shape: ${_name} refused in ${Math.round(performance.now() - started)} ms`);
    expectProblem(response, 400, ProblemTypes.malformedRequest);
    expect(response.body.detail).toContain('nested deeper than 32');
  });

  it('accepts a body nested 32 deep (the validator then judges it)', async () => {
    const response = await request(url).post('/things').set('content-type', 'application/json').send(nestedObject(31).replace('{"a":', '{"customerId":"c","a":'));
    expectProblem(response, 400, ProblemTypes.validation);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'a' })]);
  });

  it.each([
    ['a NUL in a query parameter', '/things?cursor=%00'],
    ['a NUL in a query parameter name', '/things?cur%00sor=1'],
    ['a NUL in a path parameter', '/things/a%00b'],
    ['a newline in a path identifier', '/things/a%0Ab'],
    ['a zero-width space in a path identifier', '/things/a%E2%80%8Bb'],
    ['a bidi override in a query identifier', '/things?customerId=a%E2%80%AEb'],
  ])('refuses %s with 400', async (_name, path) => {
    expectProblem(await request(url).get(path), 400);
  });

  it.each(['garbage', '"abc"', '3', '"1", "2"', 'W/'])('refuses the malformed If-Match %s on any route', async (ifMatch) => {
    expectProblem(await request(url).get('/things/c-1').set('If-Match', ifMatch), 400, ProblemTypes.badRequest);
    expectProblem(await request(url).post('/things').set('If-Match', ifMatch).send({ customerId: 'c-1' }), 400, ProblemTypes.badRequest);
  });

  it.each(['*', '"7"', 'W/"7"'])('accepts the If-Match %s', async (ifMatch) => {
    await request(url).get('/things/c-1').set('If-Match', ifMatch).expect(200);
  });
});
