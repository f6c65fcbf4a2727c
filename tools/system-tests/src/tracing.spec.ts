// One restock → e-mail as one OpenTelemetry trace (ADR 0037): every process of the run exports its
// spans over OTLP/HTTP (JSON) to a collector this test runs on a free port — the SDK's real exporter,
// not an in-process stand-in — and the test walks the parent chain from the e-mail's send span back
// to the HTTP request that restocked: each hop a span of its own, one trace id throughout.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mailsTo, preferences, registerSku, subscribe } from './notifications-support.js';
import { eventually, http, startTestSystem, type TestSystem } from './test-system.js';

interface CollectedSpan {
  readonly service: string;
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
}

interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<{ name: string; kind: number; traceId: string; spanId: string; parentSpanId?: string }> }>;
  }>;
}

/** A minimal OTLP/HTTP JSON trace receiver: POST /v1/traces, every span kept. */
async function startCollector(spans: CollectedSpan[]): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.method === 'POST') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
        for (const resource of body.resourceSpans ?? []) {
          const service = resource.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const scope of resource.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) spans.push({ service, name: span.name, kind: span.kind, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '' });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('one trace from a restock to the e-mail it causes', () => {
  const spans: CollectedSpan[] = [];
  let collector: { url: string; server: Server };
  let sys: TestSystem;

  beforeAll(async () => {
    collector = await startCollector(spans);
    const processes = ['inventory', 'notifications', 'notifier', 'mail-sink', 'sms-sink'];
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
    sys = await startTestSystem({ only: processes, env: Object.fromEntries(processes.map((name) => [name, otel])) });
  }, 180_000);

  afterAll(async () => {
    await sys?.stop();
    await new Promise((resolve) => collector?.server.close(resolve));
  }, 60_000);

  it('has every hop as its own span, each the child of the one before', async () => {
    const email = `trace-${randomBytes(3).toString('hex')}@example.com`;
    await registerSku(sys, 'TRACE-LAMP', 'Traced lamp');
    await preferences(sys, 'tracy', { email, locale: 'en', timeZone: 'Europe/Berlin', channels: { email: true, sms: false, web: false } });
    await subscribe(sys, 'tracy', 'TRACE-LAMP');

    // The caller's own trace: the restock request carries it.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const restock = await http('POST', `${sys.url('inventory')}/skus/TRACE-LAMP/receipts`, { quantity: 4 }, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(restock.status).toBe(200);
    await eventually(() => mailsTo(sys, email), (mails) => mails.length === 1, 30_000, 'the back-in-stock e-mail');

    // Walk up from the send to the caller's span, once every process has exported its part.
    const chainOf = (): CollectedSpan[] => {
      const chain: CollectedSpan[] = [];
      for (let span = spans.find((s) => s.traceId === traceId && s.name === 'send email'); span && chain.length < 20; span = spans.find((s) => s.spanId === span!.parentSpanId)) chain.push(span);
      return chain;
    };
    const chain = await eventually(chainOf, (found) => found.at(-1)?.parentSpanId === callerSpanId, 30_000, 'the whole chain from the send back to the caller').catch((error: Error) => {
      console.log(spans.filter((s) => s.traceId === traceId));
      throw error;
    });
    const hops = chain.map((s) => `${s.service}: ${s.name}`);
    console.log(`trace ${traceId}:\n  ${[...hops].reverse().join('\n  ')}\n  (${spans.length} spans collected from the run)`);
    expect(hops).toEqual([
      'notifier: send email',
      'notifier: process BackInStock',
      'inventory: publish BackInStock',
      'inventory: append sku',
      'inventory: POST /skus/:sku/receipts',
    ]);
    expect(chain.at(-1)!.parentSpanId).toBe(callerSpanId);
    for (const span of chain) expect(span.traceId).toBe(traceId);
    expect(new Set(chain.map((s) => s.spanId)).size).toBe(chain.length);
  }, 120_000);
});
