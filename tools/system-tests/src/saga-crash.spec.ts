// The orders service killed hard while sagas are in flight, then restarted: every saga completes,
// once, and inventory reserves each order exactly once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WRITE_SIDE, contextEvents, eventually, http, startTestSystem, type TestSystem } from './test-system.js';

describe('orders service killed mid-saga', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem({ only: WRITE_SIDE });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('completes every saga exactly once after a SIGKILL and a restart', async () => {
    const inventory = sys.url('inventory');
    expect((await http('POST', `${inventory}/skus`, { sku: 'DESK-1', name: 'Desk' })).status).toBe(201);
    expect((await http('POST', `${inventory}/skus/DESK-1/receipts`, { quantity: 1000 })).status).toBe(200);

    const orders = sys.url('orders');
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      const placed = await http<{ orderId: string }>('POST', `${orders}/orders`, { customerId: `k${i}`, lines: [{ sku: 'DESK-1', quantity: 1 }] });
      expect(placed.status).toBe(202);
      ids.push(placed.body.orderId);
      if (i === 60) await sys.system.kill('orders', 'SIGKILL');
      if (i >= 60) break;
    }
    await sys.system.restart('orders');
    for (let i = 61; i < 120; i++) {
      const placed = await http<{ orderId: string }>('POST', `${orders}/orders`, { customerId: `k${i}`, lines: [{ sku: 'DESK-1', quantity: 1 }] });
      expect(placed.status).toBe(202);
      ids.push(placed.body.orderId);
    }
    const statuses = await eventually(
      () => Promise.all(ids.map((id) => http<{ status: string }>('GET', `${orders}/orders/${id}`).then((r) => r.body.status))),
      (s) => s.every((status) => status === 'confirmed'),
      60_000,
      'every order to be confirmed',
    );
    expect(statuses).toHaveLength(ids.length);
    const desk = await http<{ reserved: number; available: number }>('GET', `${inventory}/skus/DESK-1`);
    expect(desk.body).toMatchObject({ reserved: ids.length, available: 1000 - ids.length });

    // Once: one completion and one confirmation per order in the orders log.
    const counts: Record<string, number> = {};
    for (const { type } of await contextEvents(sys, 'orders')) {
      if (type === 'OrderSagaCompleted' || type === 'OrderConfirmed' || type === 'ReservationRequested') counts[type] = (counts[type] ?? 0) + 1;
    }
    expect(counts).toEqual({ OrderSagaCompleted: ids.length, OrderConfirmed: ids.length, ReservationRequested: ids.length });
  });
});
