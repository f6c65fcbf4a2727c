import { Module } from '@nestjs/common';
import type { EventStore } from '@stockflow/event-sourcing';
import { perKeyConcurrency, type RetryPolicy } from '@stockflow/messaging';
import { EVENT_STORE, PG_POOL, type ConsumerSpec } from '@stockflow/platform';
import type { Pool } from 'pg';
import { CancelOrderController } from './cancel-order/cancel-order.controller.js';
import { GetOrderController } from './get-order/get-order.controller.js';
import { OrderSagaHandlers } from './order-saga/order-saga.handlers.js';
import { OrderSagaProcess } from './order-saga/order-saga.process.js';
import { OrderSagaSweeper } from './order-saga/order-saga.sweeper.js';
import { SagaDeadlines } from './order-saga/saga-deadlines.js';
import { OrdersConfig } from './orders-config.js';
import { PlaceFromCartHandler } from './place-from-cart/place-from-cart.handler.js';
import { PlaceOrderController } from './place-order/place-order.controller.js';
import { OrderCommands } from './shared/order-commands.js';

@Module({
  controllers: [PlaceOrderController, GetOrderController, CancelOrderController, PlaceFromCartHandler, OrderSagaHandlers],
  providers: [
    { provide: OrderCommands, useFactory: (store: EventStore) => new OrderCommands(store), inject: [EVENT_STORE] },
    { provide: SagaDeadlines, useFactory: (pool: Pool, config: OrdersConfig) => SagaDeadlines.create(pool, config.DB_SCHEMA), inject: [PG_POOL, OrdersConfig] },
    OrderSagaProcess,
    OrderSagaSweeper,
  ],
})
export class OrdersModule {}

/**
 * A dead-lettered OrderPlaced would leave its order pending with no saga to time it out, so the
 * saga's inputs retry transient failures (a database outage) for about an hour and a half before
 * they give up; a poison message still goes to the dead letters at once.
 */
const SAGA_RETRY: RetryPolicy = { maxDeliveries: 100, backoffMs: [200, 1000, 5000, 15_000, 30_000, 60_000] };

/**
 * How long JetStream waits for an ack before redelivering. After a crash, the messages the dead
 * process held come back only after this; it must stay well below SAGA_TIMEOUT_MS, or a restart
 * would time sagas out whose answers had already arrived. Handlers take milliseconds.
 */
const SAGA_ACK_WAIT_MS = 5_000;

/**
 * The service's durable JetStream consumers. Each handles messages of different orders (carts) at
 * once, so the saga's steps share group commits (ADR 0040); one order's steps still follow each other.
 */
export const ORDERS_CONSUMERS: readonly ConsumerSpec[] = [
  { sourceContext: 'orders', aggregate: 'order', durable: 'orders-saga-orders', retry: SAGA_RETRY, ackWaitMs: SAGA_ACK_WAIT_MS, concurrency: perKeyConcurrency('orderId') },
  { sourceContext: 'inventory', aggregate: 'sku', durable: 'orders-saga-inventory', retry: SAGA_RETRY, ackWaitMs: SAGA_ACK_WAIT_MS, concurrency: perKeyConcurrency('orderId') },
  { sourceContext: 'carts', aggregate: 'cart', durable: 'orders-from-carts', retry: SAGA_RETRY, ackWaitMs: SAGA_ACK_WAIT_MS, concurrency: perKeyConcurrency('cartId') },
];

export const ORDERS_OPENAPI = {
  title: 'stockflow orders',
  version: '1.0.0',
  description: 'Places orders and runs the order saga: every line is reserved with inventory, or the order is rejected and its reservations released.',
};
