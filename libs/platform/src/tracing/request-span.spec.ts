// The HTTP request's span (ADR 0037) ends however the request ends: answered, or abandoned by a
// client that closed its connection before the answer.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import http from 'node:http';
import { BaseServiceConfig, createService, loadConfig, Public, type Service } from '../index.js';

@Controller()
class SlowController {
  @Get('slow')
  @Public()
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 600));
    return { done: true };
  }

  @Get('fast')
  @Public()
  fast() {
    return { done: true };
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

describe('the HTTP request span', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let service: Service;
  let url: string;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(provider);
    const config = loadConfig(BaseServiceConfig, { PORT: '1', DB_SCHEMA: 'unused', LOG_LEVEL: 'silent' });
    service = await createService({ name: 'spans', module: SlowModule, config, port: 0, openApi: { title: 'spans', version: '1' }, shutdownHooks: false });
    url = await service.listen();
  });
  afterAll(async () => {
    await service?.close();
    await provider.shutdown();
  });

  const ended = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);

  it('ends when the answer is sent, with its status code', async () => {
    expect((await fetch(`${url}/fast`)).status).toBe(200);
    const [span] = ended('GET /fast');
    expect(span?.attributes['http.response.status_code']).toBe(200);
  });

  it('ends when the client goes away before the answer, marked as abandoned', async () => {
    await new Promise<void>((resolve) => {
      const req = http.get(`${url}/slow`);
      req.on('error', () => resolve());
      setTimeout(() => req.destroy(), 100);
    });
    const until = Date.now() + 3_000;
    while (ended('GET /slow').length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    const [span] = ended('GET /slow');
    expect(span?.attributes['http.request.aborted']).toBe(true);
    // The handler's late answer, after the client left, ends nothing a second time.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(ended('GET /slow')).toHaveLength(1);
  });
});
