// The durables this service runs and the events its handlers take are what the contracts say it
// consumes (EVENT_CONSUMERS: the AsyncAPI document's receive operations and the NATS permissions).
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { consumerContractMismatches, controllersOf } from '@stockflow/platform';
import { ORDERS_CONSUMERS, OrdersModule } from './orders.module.js';

describe('orders as a consumer', () => {
  it('runs the durables and handles the events EVENT_CONSUMERS lists for it, and no others', () => {
    expect(consumerContractMismatches('orders', ORDERS_CONSUMERS, controllersOf(OrdersModule))).toEqual([]);
  });
});
