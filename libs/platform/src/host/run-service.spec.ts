import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import { Body, Controller, HttpCode, Inject, Injectable, Module, Post } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { EventStore } from '@stockflow/event-sourcing';
import type { ReceivedEvent } from '@stockflow/messaging';
import { deleteNamespaceStreams, relayHeaders, uniqueNamespace } from '@stockflow/messaging/testing';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { IsInt, Min } from 'class-validator';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { BaseServiceConfig } from '../config/base-service-config.js';
import { EVENT_STORE } from './infrastructure.js';
import { runService, type RunningService } from './run-service.js';

class ReceiveDto {
  @IsInt()
  @Min(1)
  quantity!: number;
}

@Injectable()
class Seen {
  readonly skus: string[] = [];
}

@Controller()
class ProbeController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly seen: Seen,
  ) {}

  @Post('receipts')
  @HttpCode(202)
  async receive(@Body() body: ReceiveDto): Promise<{ version: number }> {
    const result = await this.store.appendToStream('sku-P', [
      { eventId: randomUUID(), type: 'StockReceived', schemaVersion: 1, data: { sku: 'P', quantity: body.quantity }, correlationId: 'c', causationId: null, traceparent: null },
    ]);
    return { version: result.nextExpectedVersion };
  }

  @EventPattern('OutOfStock')
  async onOutOfStock(@Payload() event: ReceivedEvent<{ sku: string }>): Promise<void> {
    this.seen.skus.push(event.data.sku);
  }
}

@Module({ controllers: [ProbeController], providers: [Seen] })
class ProbeModule {}

describe('runService (real PostgreSQL and NATS)', () => {
  const schema = uniqueSchemaName('t_svc');
  const namespace = uniqueNamespace();
  let running: RunningService;

  beforeAll(async () => {
    const config = Object.assign(new BaseServiceConfig(), { PORT: 20000 + Math.floor(Math.random() * 20000), DB_SCHEMA: schema, LOG_LEVEL: 'warn' as const, NATS_NAMESPACE: namespace });
    running = await runService({
      name: 'probe',
      config,
      module: () => ProbeModule,
      consumers: [{ sourceContext: 'inventory', aggregate: 'sku', durable: 'probe' }],
      handleSignals: false,
    });
  }, 30_000);
  afterAll(async () => {
    if (running) {
      await deleteNamespaceStreams(running.infrastructure.nats, namespace);
      await running.stop();
    }
    const pool = createPool();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('serves commands that append to its own schema, counts them, and handles its consumers', async () => {
    const server = running.service.app.getHttpServer();
    await request(server).post('/receipts').send({ quantity: 2 }).expect(202, { version: 1 });
    await request(server).post('/receipts').send({ quantity: 0 }).expect(400);
    const metrics = await request(server).get('/metrics').expect(200);
    expect(metrics.text).toContain('events_appended_total{stream_category="sku"} 1');

    await jetstream(running.infrastructure.nats).publish(
      `${namespace}.inventory.sku.OutOfStock`,
      JSON.stringify({ eventId: randomUUID(), type: 'OutOfStock', schemaVersion: 1, streamId: 'sku-Q', streamPosition: 1, globalPosition: 1, occurredAt: new Date().toISOString(), correlationId: 'c', causationId: null, traceparent: null, data: { sku: 'Q' } }),
      { headers: relayHeaders() },
    );
    const seen = running.service.app.get(Seen);
    for (let i = 0; i < 200 && seen.skus.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(seen.skus).toEqual(['Q']);
    const after = await request(server).get('/metrics').expect(200);
    expect(after.text).toContain('consumer_handled_total{consumer="probe",outcome="ok"} 1');
  });
});
