import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Head, HttpCode, Module, Param, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import request from 'supertest';
import { AcceptsStreamTicket, BaseServiceConfig, BoundedRequest, IsIdentifier, ProblemTypes, createService, loadConfig, type Service } from '../index.js';

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

class FilteredListQuery extends ListQuery {
  @IsOptional()
  @IsString()
  status?: string;
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

  @Get('filtered')
  filtered(@Query() query: FilteredListQuery) {
    return { status: query.status ?? null, cursor: query.cursor ?? null };
  }

  @Get('named')
  named(@Query('q') q: string | undefined) {
    return { q: q ?? null };
  }

  @Get('untyped')
  untyped(@Query() query: Record<string, unknown>) {
    return { query };
  }

  @Get('stream')
  @AcceptsStreamTicket()
  stream() {
    return { stream: true };
  }

  @Post('bounded')
  @HttpCode(201)
  @BoundedRequest({ maxBodyBytes: 1024 })
  bounded(@Body() dto: CommandDto) {
    return { customerId: dto.customerId };
  }

  @Get(':id')
  get(@Param() params: IdParams) {
    return { id: params.id };
  }

  @Head(':id/exists')
  exists(@Param() params: IdParams) {
    return void params;
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
    service = await createService({ name: 'things', module: ThingsModule, config, port: 0, bodyLimit: 1024 * 1024, openApi: { title: 'things', version: '1' } });
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

  describe('query parameters a route does not declare', () => {
    const expectUnknownQuery = (response: request.Response, ...names: string[]) => {
      expectProblem(response, 400, ProblemTypes.validation);
      expect(response.body.errors).toEqual(names.map((name) => ({ field: name, messages: [`property ${name} should not exist`] })));
    };

    it.each([
      ['a route without a query DTO', '/things/c-1?foo=bar', ['foo']],
      ['a route with a query DTO', '/things?cursor=abc&foo=bar', ['foo']],
      ['a route with an inherited query DTO', '/things/filtered?status=x&cursor=c&limit=3', ['limit']],
      ['a route with @Query(name)', '/things/named?q=1&r=2', ['r']],
      ['a stream-ticket route', '/things/stream?ticket=t&lastEventId=3', ['lastEventId']],
      ['a platform route (health)', '/health/live?verbose=1', ['verbose']],
      ['every unknown one', '/things/c-1?a=1&b=2&a=3', ['a', 'b']],
      ['an empty one', '/things/c-1?x=', ['x']],
      ['one named like object machinery', '/things/c-1?__proto__=1&constructor=2', ['__proto__', 'constructor']],
    ])('are refused with 400 naming them on %s', async (_name, path, names) => {
      expectUnknownQuery(await request(url).get(path as string), ...(names as string[]));
    });

    it('are refused on POST routes and HEAD routes too', async () => {
      expectUnknownQuery(await request(url).post('/things?dryRun=1').send({ customerId: 'c-1' }), 'dryRun');
      expectUnknownQuery(await request(url).post('/things/bounded?x=1').send({ customerId: 'c-1' }), 'x');
      const head = await request(url).head('/things/c-1/exists?x=1');
      expect(head.status).toBe(400);
      const headOfGet = await request(url).head('/things/c-1?x=1');
      expect(headOfGet.status).toBe(400);
    });

    it('lets declared ones through', async () => {
      expect((await request(url).get('/things/filtered?status=x&cursor=c&customerId=c-1').expect(200)).body).toEqual({ status: 'x', cursor: 'c' });
      expect((await request(url).get('/things/named?q=1').expect(200)).body).toEqual({ q: '1' });
      await request(url).get('/things/stream?ticket=abc').expect(200);
      await request(url).get('/things/c-1').expect(200);
      await request(url).get('/things/c-1?').expect(200);
      await request(url).post('/things/bounded').send({ customerId: 'c-1' }).expect(201);
      await request(url).head('/things/c-1/exists').expect(200);
    });

    it('leaves a handler that takes the whole query untyped alone', async () => {
      expect((await request(url).get('/things/untyped?anything=1').expect(200)).body).toEqual({ query: { anything: '1' } });
    });

    it('leaves Swagger UI alone', async () => {
      await request(url).get('/docs-json?v=1').expect(200);
      const page = await request(url).get('/docs?url=x').redirects(1);
      expect(page.status).toBe(200);
      await request(url).get('/docs/swagger-ui-init.js?cacheBust=1').expect(200);
    });

    it('keeps the route bounds of @BoundedRequest next to the declared query', async () => {
      const response = await request(url).post('/things/bounded').set('content-type', 'application/json').send(JSON.stringify({ customerId: 'c-1', reason: 'x'.repeat(2000) }));
      expectProblem(response, 413);
    });
  });
});
