import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Controller, Injectable, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { stockflowCatalog } from '@stockflow/contracts';
import { randomUUID } from 'node:crypto';
import type { ReceivedEvent } from '../received-event.js';
import { connectNats } from '../nats-connection.js';
import { contextStreamSpec, deadLetterStreamSpec, ensureStream } from '../stream-provisioning.js';
import { deleteNamespaceStreams, relayHeaders, uniqueNamespace } from '../testing/index.js';
import { DeadLetterHeaders } from '../dead-letter.js';
import { PoisonMessageError } from '../handler-errors.js';
import { JetStreamTransport } from './jetstream-transport.js';
import { RethrowToConsumer } from './rethrow-to-consumer.filter.js';

@Injectable()
class Inbox {
  readonly skus: string[] = [];
}

@Controller()
class BackInStockListener {
  constructor(private readonly inbox: Inbox) {}

  @EventPattern('BackInStock')
  async onBackInStock(@Payload() event: ReceivedEvent<{ sku: string }>): Promise<void> {
    if (event.data.sku === 'POISON') throw new PoisonMessageError('refused');
    this.inbox.skus.push(event.data.sku);
  }
}

@Module({ controllers: [BackInStockListener], providers: [Inbox] })
class ListenerModule {}

describe('JetStreamTransport (NestJS @EventPattern on a durable consumer)', () => {
  let nc: NatsConnection;
  const namespace = uniqueNamespace();
  const scheme = { namespace };

  beforeAll(async () => {
    nc = await connectNats({ name: 'transport-spec' });
  });
  afterAll(async () => {
    await deleteNamespaceStreams(nc, namespace);
    await nc.close();
  });

  it('delivers events to @EventPattern handlers by event type, skips other types, and dead-letters a handler\'s poison at once', async () => {
    const jsm = await jetstreamManager(nc);
    const spec = contextStreamSpec('inventory', scheme);
    await ensureStream(jsm, spec);
    const moduleRef = await Test.createTestingModule({ imports: [ListenerModule] }).compile();
    const app = moduleRef.createNestMicroservice({
      strategy: new JetStreamTransport({ connection: nc, catalog: stockflowCatalog, stream: spec.name, durable: 'nest-listener', scheme }),
    });
    app.useGlobalFilters(new RethrowToConsumer());
    await app.listen();
    const js = jetstream(nc);
    const envelope = (type: string, data: unknown): string =>
      JSON.stringify({ eventId: randomUUID(), type, schemaVersion: 1, streamId: 'sku-N', streamPosition: 1, globalPosition: 1, occurredAt: new Date().toISOString(), correlationId: 'c', causationId: null, traceparent: null, data });
    await js.publish(`${namespace}.inventory.sku.OutOfStock`, envelope('OutOfStock', { sku: 'N1' }), { headers: relayHeaders() });
    await js.publish(`${namespace}.inventory.sku.BackInStock`, envelope('BackInStock', { sku: 'POISON', available: 1 }), { headers: relayHeaders() });
    await js.publish(`${namespace}.inventory.sku.BackInStock`, envelope('BackInStock', { sku: 'N2', available: 3 }), { headers: relayHeaders() });
    const inbox = app.get(Inbox);
    const until = Date.now() + 10_000;
    while (inbox.skus.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await app.close();
    expect(inbox.skus).toEqual(['N2']);
    // The handler's PoisonMessageError reached the consumer as thrown: dead-lettered on its first delivery.
    const dlq = await jsm.streams.getMessage(deadLetterStreamSpec(scheme).name, { last_by_subj: `${namespace}.dlq.nest-listener` });
    expect(dlq!.header.get(DeadLetterHeaders.reason)).toBe('rejected-by-handler');
    expect(dlq!.header.get(DeadLetterHeaders.deliveries)).toBe('1');
    const info = await jsm.consumers.info(spec.name, 'nest-listener');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
  });
});
