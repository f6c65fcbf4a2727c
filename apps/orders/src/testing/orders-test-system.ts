// The orders service run in-process against the real PostgreSQL and NATS, in a schema and a subject
// namespace of its own — its relay runs in it (ADR 0043), so the service's own events reach
// JetStream and its consumers — and a fake inventory answering the saga.
import { afterAll, beforeAll } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { contextStreamName, type EventEnvelope } from '@stockflow/contracts';
import type { EventStore, RecordedEvent } from '@stockflow/event-sourcing';
import { connectNats, type NatsConnection } from '@stockflow/messaging';
import type { RunningService } from '@stockflow/platform';
import { createPool } from '@stockflow/postgres';
import { eventually, newIsolation, openTestEventLog, publishAsRelay, removeIsolation, sleep, testEnvelope, TEST_RATE_LIMITS, type LogFootprint, type TestEventLogHandle } from '@stockflow/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import request from 'supertest';
import { OrdersConfig } from '../orders-config.js';
import { ORDERS_CONSUMERS } from '../orders.module.js';
import { startOrdersService } from '../orders-service.js';
import { FakeInventory } from './fake-inventory.js';

export interface OrdersTestOptions {
  readonly SAGA_TIMEOUT_MS?: number;
  readonly SAGA_SWEEP_INTERVAL_MS?: number;
}

export class OrdersTestSystem {
  running: RunningService | null = null;

  private constructor(
    private readonly options: OrdersTestOptions,
    readonly schema: string,
    readonly namespace: string,
    /** The test's own connections: they outlive service restarts. */
    readonly pool: Pool,
    readonly nats: NatsConnection,
    /** The log the service writes, on PostgreSQL or EventStoreDB as the run chose (STOCKFLOW_TEST_EVENT_LOG). */
    private readonly log: TestEventLogHandle,
    readonly inventory: FakeInventory,
  ) {}

  get store(): EventStore {
    return this.log.store;
  }

  static async start(options: OrdersTestOptions = {}): Promise<OrdersTestSystem> {
    const { schema, namespace } = newIsolation('t_orders');
    const pool = createPool({ max: 4 });
    const nats = await connectNats({ name: 'orders-spec' });
    const log = await openTestEventLog(pool, schema);
    const inventory = new FakeInventory(nats, namespace);
    const system = new OrdersTestSystem(options, schema, namespace, pool, nats, log, inventory);
    inventory.start();
    await system.startService();
    return system;
  }

  /** One system for the calling `describe`: started before its tests (handed to `use`), stopped after them. */
  static forSuite(use: (system: OrdersTestSystem) => void, options: OrdersTestOptions = {}): void {
    let system: OrdersTestSystem | undefined;
    beforeAll(async () => {
      system = await OrdersTestSystem.start(options);
      use(system);
    }, 60_000);
    afterAll(async () => {
      await system?.stop();
    });
  }

  get service(): RunningService {
    if (!this.running) throw new Error('the orders service is not running');
    return this.running;
  }

  /** supertest against the running service. */
  get http(): ReturnType<typeof request> {
    return request(this.service.url);
  }

  async startService(): Promise<void> {
    const config = Object.assign(new OrdersConfig(), {
      DB_SCHEMA: this.schema,
      NATS_NAMESPACE: this.namespace,
      LOG_LEVEL: 'warn' as const,
      ...TEST_RATE_LIMITS,
      ...this.options,
    });
    this.running = await startOrdersService(config, this.log.startOptions);
    this.log.expectUsedBy(this.running);
  }

  async stopService(): Promise<void> {
    await this.running?.stop();
    this.running = null;
  }

  /** Stops the service; `replayEverything` also deletes its durable consumers, so all is redelivered. */
  async restartService(options: { replayEverything?: boolean } = {}): Promise<void> {
    await this.stopService();
    if (options.replayEverything) {
      const jsm = await jetstreamManager(this.nats);
      for (const consumer of ORDERS_CONSUMERS) {
        await jsm.consumers.delete(contextStreamName(consumer.sourceContext, { namespace: this.namespace }), consumer.durable);
      }
    }
    await this.startService();
  }

  async stop(): Promise<void> {
    await this.inventory.stop();
    await this.stopService();
    await this.log.close();
    await removeIsolation(this, { pool: this.pool, nats: this.nats });
    await this.nats.close();
    await this.pool.end();
  }

  /** Places an order through the API and returns its id. */
  async placeOrder(lines: { sku: string; quantity: number }[], customerId = 'customer-1'): Promise<string> {
    const response = await this.http.post('/orders').send({ customerId, lines }).expect(202);
    return response.body.orderId as string;
  }

  async order(orderId: string): Promise<{ status: string; reason?: string; version: number } & Record<string, unknown>> {
    return (await this.http.get(`/orders/${orderId}`).expect(200)).body;
  }

  /** Waits until the order reaches `status`, and returns it. */
  async orderReaches(orderId: string, status: string, timeoutMs = 15_000): Promise<Awaited<ReturnType<OrdersTestSystem['order']>>> {
    const order = await eventually(
      async () => {
        const response = await this.http.get(`/orders/${orderId}`);
        if (response.status === 404) return null; // not placed yet (e.g. a checkout on its way)
        if (response.status !== 200) throw new Error(`GET /orders/${orderId}: ${response.status} ${response.text}`);
        return response.body as Awaited<ReturnType<OrdersTestSystem['order']>>;
      },
      (found) => found?.status === status,
      timeoutMs,
      `order ${orderId} to be ${status}`,
    );
    return order!;
  }

  async sagaEvents(orderId: string): Promise<RecordedEvent[]> {
    return (await this.store.readStream(`ordersaga-${orderId}`)).events;
  }
  /** The log's head and its number of events. */
  logFootprint(): Promise<LogFootprint> {
    return this.log.footprint();
  }

  /** The last position written (see `eventLogFootprint`: on PostgreSQL not held back by other runs' transactions). */
  async lastWritten(): Promise<string | null> {
    return (await this.log.footprint()).head;
  }

  async orderEvents(orderId: string): Promise<RecordedEvent[]> {
    return (await this.store.readStream(`order-${orderId}`)).events;
  }

  async deadlineRows(orderId: string): Promise<number> {
    const { rows } = await this.pool.query(`SELECT 1 FROM "${this.schema}".saga_deadlines WHERE order_id = $1`, [orderId]);
    return rows.length;
  }

  /** Publishes an event of another context (e.g. a CartCheckedOut) as its relay would. */
  async publish(context: string, aggregate: string, type: string, data: unknown, streamId = `${aggregate}-${randomUUID()}`): Promise<EventEnvelope> {
    const envelope = testEnvelope(type, data, streamId, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    await publishAsRelay(jetstream(this.nats), this.namespace, context, aggregate, envelope);
    return envelope;
  }

  /** Waits until every consumer of the service has handled everything on its stream. */
  async consumersIdle(timeoutMs = 15_000): Promise<void> {
    const jsm = await jetstreamManager(this.nats);
    await eventually(async () => {
      for (const consumer of ORDERS_CONSUMERS) {
        const info = await jsm.consumers.info(contextStreamName(consumer.sourceContext, { namespace: this.namespace }), consumer.durable);
        if (info.num_pending + info.num_ack_pending > 0) return false;
      }
      return true;
    }, Boolean, timeoutMs, 'the consumers to be idle');
  }

  /** Waits until nothing more happens: the log stops growing and every consumer is idle. */
  async quiet(): Promise<void> {
    let head = await this.store.headPosition();
    for (;;) {
      await this.consumersIdle();
      await sleep(150);
      const next = await this.store.headPosition();
      if (next === head) return;
      head = next;
    }
  }
}

/** Types and payloads of recorded events, for compact assertions. */
export function typesAndData(events: readonly RecordedEvent[]): { type: string; data: unknown }[] {
  return events.map(({ type, data }) => ({ type, data }));
}
