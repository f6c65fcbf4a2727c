import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Inject, Logger, Module } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Writable } from 'node:stream';
import request from 'supertest';
import { BaseServiceConfig, createService, loadConfig, type Service } from '../index.js';

@Controller('things')
class ThingsController {
  private readonly logger = new Logger(ThingsController.name);

  constructor(@Inject(PinoLogger) private readonly pino: PinoLogger) {}

  @Get()
  async list() {
    await new Promise((resolve) => setTimeout(resolve, 2));
    this.logger.log('listing things');
    this.pino.info({ count: 2 }, 'from PinoLogger');
    this.logger.debug('hidden at info');
    return [];
  }

  @Get('fail')
  fail() {
    throw new Error('disk full at /var/lib/secret');
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

type Line = Record<string, unknown>;

describe('logging', () => {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      if (process.env['SHOW_LOGS']) process.stderr.write(String(chunk));
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Line);
      callback();
    },
  });
  let service: Service;
  let url: string;

  beforeAll(async () => {
    const config = loadConfig(BaseServiceConfig, { PORT: '3000', DB_SCHEMA: 'things', LOG_LEVEL: 'info' });
    service = await createService({ name: 'things', module: ThingsModule, config, port: 0, logDestination: destination });
    url = await service.listen();
  });

  afterAll(async () => {
    await service?.close();
  });

  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('writes JSON lines carrying service, correlationId and traceId inside a request', async () => {
    lines.length = 0;
    await request(url).get('/things').set('X-Correlation-Id', 'corr-log').set('traceparent', traceparent).expect(200);
    const inRequest = lines.filter((l) => l['correlationId'] === 'corr-log');
    const messages = inRequest.map((l) => l['msg']);
    expect(messages).toEqual(expect.arrayContaining(['listing things', 'from PinoLogger', 'request completed']));
    for (const line of inRequest) {
      expect(line).toMatchObject({ service: 'things', traceId: '0af7651916cd43dd8448eb211c80319c', level: expect.any(String) });
      expect(typeof line['time']).toBe('string');
    }
    expect(inRequest.find((l) => l['msg'] === 'listing things')).toMatchObject({ level: 'info', context: 'ThingsController' });
    expect(inRequest.find((l) => l['msg'] === 'from PinoLogger')).toMatchObject({ count: 2 });
    expect(inRequest.find((l) => l['msg'] === 'request completed')).toMatchObject({
      req: { method: 'GET', url: '/things', route: '/things' },
      res: { statusCode: 200 },
    });
  });

  it('honours the configured level', () => {
    expect(lines.some((l) => l['msg'] === 'hidden at info')).toBe(false);
  });

  it('does not log probe and scrape requests', async () => {
    lines.length = 0;
    await request(url).get('/health/live').expect(200);
    await request(url).get('/metrics').expect(200);
    await request(url).get('/things').expect(200);
    const completed = lines.filter((l) => l['msg'] === 'request completed').map((l) => (l['req'] as Line)['url']);
    expect(completed).toEqual(['/things']);
  });

  it('logs server errors with their stack, and lines outside requests carry the service', async () => {
    lines.length = 0;
    await request(url).get('/things/fail').set('X-Correlation-Id', 'corr-fail').expect(500);
    const failure = lines.find((l) => l['msg'] === 'request failed');
    expect(failure).toMatchObject({ level: 'error', service: 'things', correlationId: 'corr-fail', status: 500 });
    expect((failure!['err'] as Line)['stack']).toContain('disk full');
    expect(lines.find((l) => l['msg'] === 'request completed')).toMatchObject({ level: 'error', res: { statusCode: 500 } });
    service.logger.info('outside');
    expect(lines.at(-1)).toMatchObject({ msg: 'outside', service: 'things' });
    expect(lines.at(-1)).not.toHaveProperty('correlationId');
  });
});
