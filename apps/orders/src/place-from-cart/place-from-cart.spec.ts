import { describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { DeadLetterHeaders } from '@stockflow/messaging';
import { randomUUID } from 'node:crypto';
import { eventually } from '@stockflow/testing';
import { OrdersTestSystem, typesAndData } from '../testing/orders-test-system.js';

describe('CartCheckedOut → PlaceOrder (real PostgreSQL and NATS)', () => {
  let system: OrdersTestSystem;
  OrdersTestSystem.forSuite((started) => (system = started));

  it("places the order with the cart's order id, customer and lines, and runs its saga", async () => {
    system.inventory.stock('CART-A', 5).stock('CART-B', 5);
    const orderId = randomUUID();
    const cartId = randomUUID();
    const lines = [{ sku: 'CART-A', quantity: 2 }, { sku: 'CART-B', quantity: 1 }];
    const checkout = await system.publish('carts', 'cart', 'CartCheckedOut', { cartId, customerId: 'shopper-1', orderId, lines }, `cart-${cartId}`);

    const order = await system.orderReaches(orderId, 'confirmed');
    expect(order).toEqual({ orderId, customerId: 'shopper-1', lines, status: 'confirmed', version: 2 });
    const [placed] = await system.orderEvents(orderId);
    expect(typesAndData([placed!])).toEqual([{ type: 'OrderPlaced', data: { orderId, customerId: 'shopper-1', lines, cartId } }]);
    expect(placed).toMatchObject({ causationId: checkout.eventId, correlationId: checkout.correlationId, traceparent: checkout.traceparent });
  });

  it('places one order when the checkout is delivered twice', async () => {
    system.inventory.stock('CART-C', 5);
    const orderId = randomUUID();
    const cartId = randomUUID();
    const data = { cartId, customerId: 'shopper-2', orderId, lines: [{ sku: 'CART-C', quantity: 1 }] };
    await system.publish('carts', 'cart', 'CartCheckedOut', data, `cart-${cartId}`);
    await system.orderReaches(orderId, 'confirmed');
    await system.quiet();
    const before = await system.store.headPosition();
    await system.publish('carts', 'cart', 'CartCheckedOut', data, `cart-${cartId}`);
    await system.quiet();
    expect(await system.store.headPosition()).toBe(before);
    expect(await system.orderEvents(orderId)).toHaveLength(2);
    expect(system.inventory.requestsFor(orderId)).toHaveLength(1);
  });

  it('dead-letters a checkout that breaks the order rules, and goes on with the next', async () => {
    system.inventory.stock('CART-D', 5);
    const bad = randomUUID();
    await system.publish('carts', 'cart', 'CartCheckedOut', {
      cartId: randomUUID(),
      customerId: 'shopper-3',
      orderId: bad,
      lines: [{ sku: 'CART-D', quantity: 1 }, { sku: 'CART-D', quantity: 2 }],
    });
    const good = randomUUID();
    await system.publish('carts', 'cart', 'CartCheckedOut', { cartId: randomUUID(), customerId: 'shopper-3', orderId: good, lines: [{ sku: 'CART-D', quantity: 1 }] });
    await system.orderReaches(good, 'confirmed');
    expect(await system.orderEvents(bad)).toEqual([]);
    const jsm = await jetstreamManager(system.nats);
    await eventually(async () => (await jsm.streams.info(`${system.namespace.toUpperCase()}_DEAD_LETTERS`)).state.messages >= 1, Boolean, 10_000, 'the dead letter');
    const info = await jsm.streams.info(`${system.namespace.toUpperCase()}_DEAD_LETTERS`);
    const letter = await jsm.streams.getMessage(info.config.name, { seq: info.state.last_seq });
    expect(letter!.subject).toBe(`${system.namespace}.dlq.orders-from-carts`);
    // Dead-lettered at once as poison, not retried until the delivery budget ran out.
    expect(letter!.header.get(DeadLetterHeaders.reason)).toBe('rejected-by-handler');
    expect(letter!.header.get(DeadLetterHeaders.deliveries)).toBe('1');
    expect(letter!.header.get(DeadLetterHeaders.error)).toContain('appears on more than one line');
  });

  it('ignores the other cart events', async () => {
    await system.quiet();
    const before = await system.store.headPosition();
    const cartId = randomUUID();
    await system.publish('carts', 'cart', 'CartCreated', { cartId, customerId: 'shopper-4' }, `cart-${cartId}`);
    await system.publish('carts', 'cart', 'CartLineSet', { cartId, sku: 'X', quantity: 1 }, `cart-${cartId}`);
    await system.quiet();
    expect(await system.store.headPosition()).toBe(before);
  });
});
