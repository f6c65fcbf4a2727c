// One SKU looked into: its figures, who waits for it, the reservations held for orders (order ids
// made opaque by the dashboard server) and its recent events.
import { ago, el, getJson } from './dom.js';

const DESCRIBE = {
  SkuRegistered: () => 'registered',
  StockReceived: (e) => `received ${e.quantity}`,
  StockAdjusted: (e) => `adjusted ${e.delta > 0 ? '+' : ''}${e.delta} (${e.reason})`,
  StockReserved: (e) => `reserved ${e.quantity} for order ${short(e.orderId)}`,
  StockReservationRejected: (e) => `reservation of ${e.quantity ?? '?'} rejected${e.orderId ? ` for order ${short(e.orderId)}` : ''}`,
  ReservationReleased: (e) => `released ${e.quantity} of order ${short(e.orderId)}`,
  ReservationCommitted: (e) => `shipped ${e.quantity} of order ${short(e.orderId)}`,
  OutOfStock: () => 'out of stock',
  BackInStock: (e) => `back in stock (${e.available} available)`,
  LowStock: (e) => `low stock (${e.available} available)`,
};

const short = (key) => String(key ?? '').slice(0, 8);

export class SkuDetail {
  constructor() {
    this.card = document.querySelector('#detail');
    this.sku = null;
  }

  async show(sku) {
    this.sku = sku;
    this.card.dataset.sku = sku;
    const detail = await getJson(`api/views/stock/${encodeURIComponent(sku)}/detail`);
    if (this.sku !== sku) return;
    const title = document.querySelector('#detail-title');
    if (!detail) {
      title.textContent = `${sku}: not available`;
      document.querySelector('#detail-body').hidden = true;
      return;
    }
    title.replaceChildren(document.createTextNode(`${detail.stock.sku} `), el('small', detail.stock.name));
    const badge = document.querySelector('#detail-status');
    badge.textContent = detail.stock.status.replace(/-/g, ' ');
    badge.className = `badge status ${detail.stock.status}`;
    document.querySelector('#detail-onhand').textContent = detail.stock.onHand;
    document.querySelector('#detail-reserved').textContent = detail.stock.reserved;
    document.querySelector('#detail-available').textContent = detail.stock.available;
    document.querySelector('#detail-waiting').textContent = detail.waiting;
    document.querySelector('#detail-reservation-count').textContent = `${detail.reservations.length} open`;
    document.querySelector('#detail-reservations').replaceChildren(
      ...detail.reservations.slice(0, 20).map((r) => el('li', `${r.quantity} for order ${short(r.orderId)}`)),
    );
    document.querySelector('#detail-events').replaceChildren(
      ...detail.recent.map((e) => el('li', `${ago(e.at)} ago — ${(DESCRIBE[e.type] ?? (() => e.type))(e)}`)),
    );
    document.querySelector('#detail-body').hidden = false;
  }

  /** A live change: the shown SKU is read again. */
  changed(skus) {
    if (this.sku && skus.includes(this.sku)) void this.show(this.sku);
  }
}
