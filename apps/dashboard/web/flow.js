// The live health of the flow: commands and events per second (from every process's /metrics through
// /api/health), the order flow (from the customer_orders changes), deliveries per channel (from the
// notification_deliveries changes), lag and processes up. Figures in the tiles, the last minute in charts.
import uPlot from 'uplot';
import { getJson, row } from './dom.js';

const WINDOW_S = 60;
const CHANNELS = ['email', 'sms', 'web'];
const now = () => Math.floor(Date.now() / 1000);

function chart(el, series) {
  const width = Math.max(240, el.clientWidth || 400);
  return new uPlot(
    // The x range is always the last minute, so a chart with one sample yet does not span years.
    { width, height: 96, legend: { show: true, live: false }, scales: { x: { time: true, range: () => [now() - WINDOW_S, now()] } }, series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2 }))], axes: [{ size: 24 }, { size: 50 }] },
    [[], ...series.map(() => [])],
    el,
  );
}

/** Counts per second over the last minute, keyed by series. */
class PerSecond {
  constructor(series) {
    this.series = new Map(series.map((s) => [s, new Map()]));
  }
  add(series, n = 1, at = now()) {
    const m = this.series.get(series);
    if (m) m.set(at, (m.get(at) ?? 0) + n);
  }
  /** The mean rate over the last `seconds` full seconds. */
  rate(series, seconds = 10) {
    const m = this.series.get(series);
    let sum = 0;
    for (let t = now() - seconds; t < now(); t++) sum += m.get(t) ?? 0;
    return sum / seconds;
  }
  columns(xs) {
    return [...this.series.values()].map((m) => xs.map((t) => m.get(t) ?? 0));
  }
  prune() {
    for (const m of this.series.values()) for (const t of m.keys()) if (t < now() - WINDOW_S) m.delete(t);
  }
}

export class Flow {
  constructor() {
    this.orders = new PerSecond(['placed', 'confirmed', 'rejected']);
    this.deliveries = new PerSecond(CHANNELS);
    this.totals = { placed: 0, confirmed: 0, rejected: 0, cancelled: 0 };
    this.seenOrders = new Map();
    this.delivered = new Map();
    this.lagHistory = [];
    this.previous = null;
    this.rates = { commands: 0, events: 0 };
    this.ordersChart = chart(document.querySelector('#orders-chart'), [['placed', '#2563eb'], ['confirmed', '#059669'], ['rejected', '#dc2626']]);
    this.deliveriesChart = chart(document.querySelector('#deliveries-chart'), [['email', '#2563eb'], ['SMS', '#059669'], ['web', '#7c3aed']]);
    this.lagChart = chart(document.querySelector('#lag-chart'), [['consumer (msgs)', '#7c3aed'], ['relay (events)', '#ea580c'], ['projection (ms)', '#0891b2']]);
  }

  /** An order's status change (opaque order key): counted once per status. */
  order(change) {
    if (this.seenOrders.get(change.orderId) === change.status) return;
    this.seenOrders.set(change.orderId, change.status);
    const series = change.status === 'pending' ? 'placed' : change.status;
    this.orders.add(series);
    if (this.totals[series] !== undefined) this.totals[series]++;
    document.querySelector('#orders-totals').textContent = `orders since this page opened: placed ${this.totals.placed} · confirmed ${this.totals.confirmed} · rejected ${this.totals.rejected} · cancelled ${this.totals.cancelled}`;
  }

  /** A channel's totals; `live` changes also count per second. */
  channel(row, live) {
    const before = this.delivered.get(row.channel);
    this.delivered.set(row.channel, row);
    if (live && before && row.delivered > before.delivered) this.deliveries.add(row.channel, row.delivered - before.delivered);
    const tr = document.querySelector(`#deliveries tr[data-channel="${row.channel}"]`);
    if (tr) {
      tr.querySelector('.delivered').textContent = row.delivered;
      tr.querySelector('.failed').textContent = row.failed;
      tr.querySelector('.undelivered').textContent = row.undelivered ?? 0;
      tr.querySelector('.latency').textContent = row.lastLatencyMs === null ? '—' : `${row.lastLatencyMs} ms`;
    }
    let delivered = 0;
    let failed = 0;
    for (const r of this.delivered.values()) {
      delivered += r.delivered;
      failed += r.failed + (r.undelivered ?? 0);
    }
    document.querySelector('#kpi-deliveries').textContent = `${delivered} · ${failed}`;
  }

  async loadChannels() {
    const page = await getJson('api/views/notifications/deliveries');
    if (page) for (const r of page.items) this.channel(r, false);
  }

  async loadStockCounts() {
    const summary = await getJson('api/views/summary');
    if (summary) document.querySelector('#kpi-stock').textContent = `${summary.stock['out-of-stock'] ?? 0} · ${summary.stock['low-stock'] ?? 0}`;
  }

  /** Once a second: the tiles and the charts. */
  tick() {
    const t = now();
    const xs = Array.from({ length: WINDOW_S + 1 }, (_, i) => t - WINDOW_S + i);
    this.ordersChart.setData([xs, ...this.orders.columns(xs)]);
    this.deliveriesChart.setData([xs, ...this.deliveries.columns(xs)]);
    this.orders.prune();
    this.deliveries.prune();
    const r = (s) => this.orders.rate(s).toFixed(1);
    document.querySelector('#kpi-orders').textContent = `${r('placed')} · ${r('confirmed')} · ${r('rejected')}`;
  }

  /** Every process's figures: rates from the growth of their counters, lag, processes up. */
  async pollHealth() {
    const health = await getJson('api/health');
    if (!health) return;
    const at = Date.now();
    let commands = 0;
    let events = 0;
    let up = 0;
    let maxConsumer = 0;
    let maxRelay = 0;
    let maxProjectionMs = 0;
    const lagRows = [];
    const entries = Object.entries(health);
    for (const [name, h] of entries) {
      if (!h.up) {
        lagRows.push([name, 'down', '—']);
        continue;
      }
      up++;
      commands += h.commands;
      events += h.eventsAppended;
      // Only the process that runs its context's relay (relay_leader 1) reports a relay lag.
      if (h.relayLag !== null) {
        lagRows.push([name, 'relay', `${h.relayLag} events`]);
        maxRelay = Math.max(maxRelay, h.relayLag);
      }
      for (const [consumer, lag] of Object.entries(h.consumerLag)) {
        lagRows.push([name, consumer, `${lag} msgs`]);
        maxConsumer = Math.max(maxConsumer, lag);
      }
      for (const [projection, lag] of Object.entries(h.projectionLag)) {
        lagRows.push([name, `projection ${projection}`, `${lag.events} events · ${Math.round(lag.ms)} ms`]);
        maxProjectionMs = Math.max(maxProjectionMs, lag.ms);
      }
    }
    if (this.previous) {
      const seconds = (at - this.previous.at) / 1000;
      // A restarted process starts its counters again: never a negative rate.
      this.rates = { commands: Math.max(0, commands - this.previous.commands) / seconds, events: Math.max(0, events - this.previous.events) / seconds };
      document.querySelector('#kpi-commands').textContent = this.rates.commands.toFixed(1);
      document.querySelector('#kpi-events').textContent = this.rates.events.toFixed(1);
    }
    this.previous = { at, commands, events };
    document.querySelector('#kpi-lag').textContent = `${maxConsumer} · ${maxRelay} · ${Math.round(maxProjectionMs)}`;
    document.querySelector('#processes').textContent = `${up}/${entries.length} processes up`;
    document.querySelector('#lag tbody').replaceChildren(...lagRows.map(([a, b, c]) => row([a, b, [c, 'num']])));
    this.lagHistory.push([Math.floor(at / 1000), maxConsumer, maxRelay, maxProjectionMs]);
    while (this.lagHistory.length > WINDOW_S) this.lagHistory.shift();
    this.lagChart.setData([0, 1, 2, 3].map((i) => this.lagHistory.map((p) => p[i])));
  }
}
