// The write side end to end, on real processes: carts → orders (saga) ⇄ inventory over JetStream.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { prototypeMemberNames } from '@stockflow/event-sourcing/testing';
import { WRITE_SIDE, eventually, http, startTestSystem, type TestSystem } from './test-system.js';
import type { Order, Sku } from './api-shapes.js';


describe('order flow across carts, orders and inventory', () => {
  let sys: TestSystem;
  const sku = (name: string): Promise<Sku> => http<Sku>('GET', `${sys.url('inventory')}/skus/${name}`).then((r) => r.body);
  const order = (id: string): Promise<Order> => http<Order>('GET', `${sys.url('orders')}/orders/${id}`).then((r) => r.body);
  const stock = async (name: string, quantity: number): Promise<void> => {
    expect((await http('POST', `${sys.url('inventory')}/skus`, { sku: name, name: `Product ${name}` })).status).toBe(201);
    if (quantity > 0) expect((await http('POST', `${sys.url('inventory')}/skus/${name}/receipts`, { quantity })).status).toBe(200);
  };

  beforeAll(async () => {
    sys = await startTestSystem({ only: WRITE_SIDE });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('turns a cart checkout into a confirmed order with the stock reserved', async () => {
    await stock('MUG-1', 10);
    const cart = await http<{ cartId: string }>('POST', `${sys.url('carts')}/carts`, { customerId: 'alice' });
    expect(cart.status).toBe(201);
    expect((await http('PUT', `${sys.url('carts')}/carts/${cart.body.cartId}/lines/MUG-1`, { quantity: 3 })).status).toBe(200);
    const checkout = await http<{ orderId: string }>('POST', `${sys.url('carts')}/carts/${cart.body.cartId}/checkout`);
    expect(checkout.status).toBe(202);

    const confirmed = await eventually(() => order(checkout.body.orderId), (o) => o?.status === 'confirmed', 20_000, 'the order to be confirmed');
    expect(confirmed.orderId).toBe(checkout.body.orderId);
    expect(await sku('MUG-1')).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
  });

  it('rejects an order for more than is available and leaves nothing reserved', async () => {
    await stock('BOWL-1', 5);
    await stock('PLATE-1', 4);
    const placed = await http<{ orderId: string }>('POST', `${sys.url('orders')}/orders`, {
      customerId: 'bob',
      lines: [
        { sku: 'PLATE-1', quantity: 2 },
        { sku: 'BOWL-1', quantity: 6 },
      ],
    });
    expect(placed.status).toBe(202);
    const rejected = await eventually(() => order(placed.body.orderId), (o) => o?.status === 'rejected', 20_000, 'the order to be rejected');
    expect(rejected.reason).toBeTruthy();
    // The reserved PLATE-1 line is released by the saga's compensation.
    await eventually(() => sku('PLATE-1'), (s) => s.reserved === 0, 20_000, 'PLATE-1 to be released');
    expect(await sku('PLATE-1')).toMatchObject({ onHand: 4, reserved: 0, available: 4 });
    expect(await sku('BOWL-1')).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  });

  it('confirms exactly 50 of 200 concurrent one-unit orders against 50 available', async () => {
    await stock('LAMP-1', 50);
    const placed = await Promise.all(
      Array.from({ length: 200 }, (_, i) => http<{ orderId: string }>('POST', `${sys.url('orders')}/orders`, { customerId: `c${i}`, lines: [{ sku: 'LAMP-1', quantity: 1 }] })),
    );
    expect(placed.every((p) => p.status === 202)).toBe(true);
    const finals = await eventually(
      () => Promise.all(placed.map((p) => order(p.body.orderId))),
      (orders) => orders.every((o) => o.status === 'confirmed' || o.status === 'rejected'),
      60_000,
      'all 200 orders to settle',
    );
    expect(finals.filter((o) => o.status === 'confirmed')).toHaveLength(50);
    expect(finals.filter((o) => o.status === 'rejected')).toHaveLength(150);
    expect(await sku('LAMP-1')).toMatchObject({ onHand: 50, reserved: 50, available: 0 });
  });

  it('confirms an order whose SKUs are named like Object.prototype members (constructor, __proto__, …)', async () => {
    const names = prototypeMemberNames();
    for (const name of names) await stock(name, 5);
    const placed = await http<{ orderId: string }>('POST', `${sys.url('orders')}/orders`, { customerId: 'constructor', lines: names.map((name) => ({ sku: name, quantity: 2 })) });
    expect(placed.status).toBe(202);
    await eventually(() => order(placed.body.orderId), (o) => o?.status === 'confirmed', 20_000, 'the order to be confirmed');
    for (const name of names) expect(await sku(name)).toMatchObject({ sku: name, onHand: 5, reserved: 2, available: 3 });
  });

  it('releases the reservation of a cancelled order', async () => {
    await stock('VASE-1', 3);
    const placed = await http<{ orderId: string }>('POST', `${sys.url('orders')}/orders`, { customerId: 'dora', lines: [{ sku: 'VASE-1', quantity: 2 }] });
    await eventually(() => order(placed.body.orderId), (o) => o?.status === 'confirmed', 20_000, 'confirmation');
    expect((await http('POST', `${sys.url('orders')}/orders/${placed.body.orderId}/cancel`, { reason: 'changed my mind' })).status).toBe(202);
    await eventually(() => sku('VASE-1'), (s) => s.reserved === 0, 20_000, 'the release');
    expect((await order(placed.body.orderId)).status).toBe('cancelled');
  });
});
