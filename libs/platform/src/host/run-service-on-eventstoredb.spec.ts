// The host with a context's log on EventStoreDB (ADR 0046), over the in-process model of the
// server: where the events go, what an outage of the server looks like to callers and to
// /health/ready, and the one-line refusal of a process that needs transactions.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { TransactionsUnsupported, type EventStore } from '@stockflow/event-sourcing';
import { SimulatedEsdbClient } from '@stockflow/eventstoredb/testing';
import { deleteNamespaceStreams, uniqueNamespace } from '@stockflow/messaging/testing';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { BaseServiceConfig } from '../config/base-service-config.js';
import { EVENT_STORE } from './infrastructure.js';
import { runService, type RunningService } from './run-service.js';

@Controller()
class ReceiptsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Post('receipts')
  @HttpCode(202)
  async receive(): Promise<{ version: number }> {
    const result = await this.store.appendToStream('sku-E', [
      { eventId: randomUUID(), type: 'StockReceived', schemaVersion: 1, data: { sku: 'E', quantity: 1 }, correlationId: 'c', causationId: null, traceparent: null },
    ]);
    return { version: result.nextExpectedVersion };
  }
}

@Module({ controllers: [ReceiptsController] })
class ReceiptsModule {}

const configFor = (schema: string, namespace: string): BaseServiceConfig =>
  Object.assign(new BaseServiceConfig(), { PORT: 0, DB_SCHEMA: schema, LOG_LEVEL: 'fatal' as const, NATS_NAMESPACE: namespace });

describe('runService with its log on EventStoreDB (model of the server; real PostgreSQL and NATS)', () => {
  const schema = uniqueSchemaName('t_svc_esdb');
  const namespace = uniqueNamespace();
  const server = new SimulatedEsdbClient();
  let running: RunningService;

  beforeAll(async () => {
    running = await runService({ name: 'probe', config: configFor(schema, namespace), module: () => ReceiptsModule, handleSignals: false, port: 0, eventStoreDbClient: server.asClient() });
  }, 30_000);
  afterAll(async () => {
    await deleteNamespaceStreams(running.infrastructure.nats, namespace);
    await running.stop();
    const pool = createPool({ max: 1 });
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('appends to the server under the schema\'s prefix, not to PostgreSQL', async () => {
    const http = request(running.service.app.getHttpServer());
    await http.post('/receipts').expect(202, { version: 1 });
    expect(running.infrastructure.logLocation).toEqual({ kind: 'eventstoredb', streamPrefix: `${schema}.` });
    const names: string[] = [];
    for await (const resolved of server.asClient().readAll()) if (resolved.event) names.push(resolved.event.streamId);
    expect(names).toEqual([`${schema}.sku-E`]);
    const { rows } = await running.infrastructure.pool.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'events'`, [schema]);
    expect(rows).toEqual([]);
    const ready = await http.get('/health/ready').expect(200);
    expect(JSON.stringify(ready.body)).toContain('eventStoreDb');
  });

  it('answers 503 with Retry-After while the server cannot be reached, says so on /health/ready, and serves again when it is back', async () => {
    const http = request(running.service.app.getHttpServer());
    server.unreachable = true;
    try {
      const refused = await http.post('/receipts');
      expect(refused.status).toBe(503);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.body.detail ?? refused.body.title).toMatch(/EventStoreDB|unavailable/i);
      const ready = await http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(JSON.stringify(ready.body)).toContain('eventStoreDb');
    } finally {
      server.unreachable = false;
    }
    await http.get('/health/ready').expect(200);
    await http.post('/receipts').expect(202, { version: 2 });
  });

  it('refuses, in one error and before it creates anything, to start a process that needs transactions', async () => {
    const other = uniqueSchemaName('t_svc_refuse');
    const starting = runService({
      name: 'needy',
      config: configFor(other, namespace),
      module: () => ReceiptsModule,
      handleSignals: false,
      port: 0,
      eventStoreDbClient: new SimulatedEsdbClient().asClient(),
      needsTransactions: 'the needy API',
    });
    await expect(starting).rejects.toThrow(TransactionsUnsupported);
    await expect(starting).rejects.toThrow(
      'event store without transactions: the needy API commits events together with its own rows, so needy needs the PostgreSQL event store: unset EVENTSTORE_URL (ADR 0046)',
    );
    const { rows } = await running.infrastructure.pool.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [other]);
    expect(rows).toEqual([]);
  });
});
