import { describe, expect, it } from '@jest/globals';
import { frameForPage, isPublicView, opaqueOrderKeys, skuDetailForPage, SseFrameFilter } from './public-views.js';

describe("what the dashboard forwards to its page", () => {
  const keys = opaqueOrderKeys();

  it('forwards the aggregate views the page shows, and nothing about one customer', () => {
    expect(['/views/stock', '/views/notifications/deliveries', '/views/stream', '/views/dead-letters', '/views/summary', '/views/stock/SKU-1/detail'].every(isPublicView)).toBe(true);
    for (const path of ['/views/customers/ada/orders', '/views/carts/c-1', '/views/stock/SKU-1', '/views', '/admin/rebuild', '/views/stock/../customers/ada/orders/detail', '/views/stock/a/b/detail']) {
      expect([path, isPublicView(path)]).toEqual([path, false]);
    }
  });

  it("makes a SKU detail's order ids opaque", () => {
    const body = JSON.stringify({ stock: { sku: 'A' }, waiting: 2, reservations: [{ orderId: 'o-1', quantity: 2 }], recent: [{ type: 'StockReserved', orderId: 'o-1', quantity: 2 }, { type: 'StockReceived', quantity: 5 }] });
    const page = skuDetailForPage(body, keys);
    expect(page).not.toContain('o-1');
    expect(JSON.parse(page)).toEqual({ stock: { sku: 'A' }, waiting: 2, reservations: [{ orderId: keys('o-1'), quantity: 2 }], recent: [{ type: 'StockReserved', orderId: keys('o-1'), quantity: 2 }, { type: 'StockReceived', quantity: 5 }] });
  });

  it('keeps stock, delivery and rebuild events and comments; reduces order changes to an opaque key and a status; drops carts', () => {
    expect(frameForPage('retry: 1000\n: connected', keys)).toBe('retry: 1000\n: connected');
    const stock = 'event: stock\ndata: {"view":"stock","rows":[{"sku":"A","available":3}]}';
    expect(frameForPage(stock, keys)).toBe(stock);
    expect(frameForPage('event: carts\ndata: {"view":"carts","rows":[{"cartId":"c1","customerId":"ada"}]}', keys)).toBeNull();
    const orders = frameForPage('event: customer_orders\ndata: {"view":"customer_orders","rows":[{"orderId":"o-1","customerId":"ada","status":"confirmed","lines":[]}],"sequence":7,"at":"t"}', keys)!;
    expect(orders).not.toContain('ada');
    expect(orders).not.toContain('o-1');
    const data = JSON.parse(orders.split('\n')[1]!.slice(6)) as { rows: Array<{ orderId: string; status: string }>; sequence: number };
    expect(data).toMatchObject({ sequence: 7, rows: [{ orderId: keys('o-1'), status: 'confirmed' }] });
    expect(keys('o-1')).toBe(keys('o-1'));
    expect(keys('o-1')).not.toBe(opaqueOrderKeys()('o-1'));
  });

  it('rewrites whole frames across chunk boundaries', () => {
    const filter = new SseFrameFilter((frame) => frameForPage(frame, keys));
    expect(filter.push('event: carts\ndata: {"rows":[]}\n\nevent: st')).toBe('');
    expect(filter.push('ock\ndata: {}\n\n: keepalive\n\n')).toBe('event: stock\ndata: {}\n\n: keepalive\n\n');
  });
});
