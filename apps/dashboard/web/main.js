// The live dashboard: stock from the projections SSE stream, order flow per second from the
// customer_orders changes, notification deliveries per channel from the notification_deliveries
// changes, and lag / dead letters from every process's /metrics (via /api/health).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';

const WINDOW_S = 60;
const stock = new Map();
const tbody = document.querySelector('#stock tbody');

function renderRow(view, flash) {
  let tr = tbody.querySelector(`tr[data-sku="${CSS.escape(view.sku)}"]`);
  if (!tr) {
    tr = document.createElement('tr');
    tr.dataset.sku = view.sku;
    tr.innerHTML = '<td class="sku"></td><td class="name"></td><td class="num onhand"></td><td class="num reserved"></td><td class="num available"></td><td><span class="badge status"></span></td>';
    const after = [...tbody.children].find((row) => row.dataset.sku > view.sku);
    tbody.insertBefore(tr, after ?? null);
  }
  tr.querySelector('.sku').textContent = view.sku;
  tr.querySelector('.name').textContent = view.name;
  tr.querySelector('.onhand').textContent = view.onHand;
  tr.querySelector('.reserved').textContent = view.reserved;
  tr.querySelector('.available').textContent = view.available;
  const badge = tr.querySelector('.status');
  badge.textContent = view.status.replace(/-/g, ' ');
  badge.className = `badge status ${view.status}`;
  tr.dataset.status = view.status;
  if (flash) {
    tr.classList.remove('flash');
    void tr.offsetWidth;
    tr.classList.add('flash');
  }
}

function renderCounts() {
  const counts = { 'in-stock': 0, 'low-stock': 0, 'out-of-stock': 0 };
  for (const v of stock.values()) counts[v.status]++;
  document.querySelector('#stock-counts').textContent =
    `${stock.size} SKUs · ${counts['in-stock']} in stock · ${counts['low-stock']} low · ${counts['out-of-stock']} out`;
}

/** Every item of a list view: each answers `{ items, nextCursor }`, followed to the last page. False if a page failed. */
async function readAllPages(path, onItem) {
  let cursor = null;
  do {
    const response = await fetch(`${path}?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!response.ok) return false;
    const page = await response.json();
    for (const item of page.items) onItem(item);
    cursor = page.nextCursor;
  } while (cursor);
  return true;
}

async function loadStock() {
  const loaded = await readAllPages('api/views/stock', (view) => {
    stock.set(view.sku, view);
    renderRow(view, false);
  });
  if (loaded) renderCounts();
}

// Order flow: counts per second over the last minute.
const flow = { placed: new Map(), confirmed: new Map(), rejected: new Map() };
const totals = { placed: 0, confirmed: 0, rejected: 0, cancelled: 0 };
const seen = new Map();
function countOrder(row) {
  const previous = seen.get(row.orderId);
  if (previous === row.status) return;
  seen.set(row.orderId, row.status);
  const second = Math.floor(Date.now() / 1000);
  const series = row.status === 'pending' ? 'placed' : row.status;
  if (flow[series]) flow[series].set(second, (flow[series].get(second) ?? 0) + 1);
  if (totals[series] !== undefined) totals[series]++;
  document.querySelector('#orders-totals').textContent = `placed ${totals.placed} · confirmed ${totals.confirmed} · rejected ${totals.rejected} · cancelled ${totals.cancelled}`;
}

function chart(el, series) {
  return new uPlot(
    // The x range is always the last minute, so a chart with one sample yet does not span years.
    { width: 400, height: 160, legend: { show: true }, scales: { x: { time: true, range: () => [Math.floor(Date.now() / 1000) - WINDOW_S, Math.floor(Date.now() / 1000)] } }, series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2 }))], axes: [{}, { size: 40 }] },
    [[], ...series.map(() => [])],
    el,
  );
}
const ordersChart = chart(document.querySelector('#orders-chart'), [['placed', '#2563eb'], ['confirmed', '#059669'], ['rejected', '#dc2626']]);
const lagChart = chart(document.querySelector('#lag-chart'), [['max consumer lag (msgs)', '#7c3aed'], ['max relay lag (events)', '#ea580c'], ['max projection lag (ms)', '#0891b2']]);
const lagHistory = [];
const deliveriesChart = chart(document.querySelector('#deliveries-chart'), [['email', '#2563eb'], ['SMS', '#059669'], ['web', '#7c3aed']]);

// Deliveries: totals per channel as the read model holds them; per second from the growth of those totals.
const CHANNELS = ['email', 'sms', 'web'];
const delivered = new Map();
const deliveryFlow = new Map(CHANNELS.map((c) => [c, new Map()]));
function renderDeliveries(row, live) {
  const before = delivered.get(row.channel);
  delivered.set(row.channel, row);
  if (live && before && row.delivered > before.delivered) {
    const second = Math.floor(Date.now() / 1000);
    const perSecond = deliveryFlow.get(row.channel);
    perSecond.set(second, (perSecond.get(second) ?? 0) + (row.delivered - before.delivered));
  }
  const tr = document.querySelector(`#deliveries tr[data-channel="${row.channel}"]`);
  if (!tr) return;
  tr.querySelector('.delivered').textContent = row.delivered;
  tr.querySelector('.failed').textContent = row.failed;
  tr.querySelector('.latency').textContent = row.lastLatencyMs === null ? '—' : `${row.lastLatencyMs} ms`;
}

async function loadDeliveries() {
  await readAllPages('api/views/notifications/deliveries', (row) => renderDeliveries(row, false));
}

function tickOrders() {
  const now = Math.floor(Date.now() / 1000);
  const xs = [];
  const ys = [[], [], []];
  for (let t = now - WINDOW_S; t <= now; t++) {
    xs.push(t);
    ['placed', 'confirmed', 'rejected'].forEach((s, i) => ys[i].push(flow[s].get(t) ?? 0));
  }
  for (const m of Object.values(flow)) for (const t of m.keys()) if (t < now - WINDOW_S) m.delete(t);
  ordersChart.setData([xs, ...ys]);
  deliveriesChart.setData([xs, ...CHANNELS.map((c) => xs.map((t) => deliveryFlow.get(c).get(t) ?? 0))]);
  for (const m of deliveryFlow.values()) for (const t of m.keys()) if (t < now - WINDOW_S) m.delete(t);
}

async function pollHealth() {
  try {
    const health = await (await fetch('api/health')).json();
    const lagRows = [];
    let dead = 0;
    let maxConsumer = 0;
    let maxRelay = 0;
    let maxProjectionMs = 0;
    const dlqRows = [];
    for (const [name, h] of Object.entries(health)) {
      if (!h.up) {
        lagRows.push([name, 'down', '—']);
        continue;
      }
      // Every service registers relay_lag_events; only the relays' figure means something.
      if (h.relayLag !== null && name.startsWith('relay-')) {
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
      dead += h.deadLetters;
      if (h.deadLetters > 0) dlqRows.push([name, h.deadLetters]);
    }
    document.querySelector('#lag tbody').innerHTML = lagRows.map((r) => `<tr><td>${r[0]}</td><td>${r[1]}</td><td class="num">${r[2]}</td></tr>`).join('');
    document.querySelector('#dead-letters').textContent = String(dead);
    document.querySelector('#dlq tbody').innerHTML = dlqRows.map((r) => `<tr><td>${r[0]}</td><td class="num">${r[1]}</td></tr>`).join('');
    lagHistory.push([Math.floor(Date.now() / 1000), maxConsumer, maxRelay, maxProjectionMs]);
    while (lagHistory.length > WINDOW_S) lagHistory.shift();
    lagChart.setData([0, 1, 2, 3].map((i) => lagHistory.map((p) => p[i])));
  } catch {
    // The dashboard server is restarting; try again on the next tick.
  }
}

// Who is signed in (with an identity provider); a session that ended sends the browser to sign in again.
async function showOperator() {
  const response = await fetch('api/me');
  if (response.status === 401) return void (location.href = 'auth/login');
  if (!response.ok) return;
  const me = await response.json();
  if (!me.signedIn) return;
  document.querySelector('#operator-name').textContent = `signed in as ${me.subject}`;
  document.querySelector('#operator').hidden = false;
}

function connect() {
  const source = new EventSource('api/views/stream');
  const conn = document.querySelector('#conn');
  source.onopen = () => {
    conn.textContent = 'live';
    conn.className = 'badge on';
  };
  source.onerror = () => {
    conn.textContent = 'reconnecting…';
    conn.className = 'badge off';
    void showOperator();
  };
  source.addEventListener('stock', (e) => {
    for (const view of JSON.parse(e.data).rows) {
      stock.set(view.sku, view);
      renderRow(view, true);
    }
    renderCounts();
  });
  source.addEventListener('customer_orders', (e) => {
    for (const row of JSON.parse(e.data).rows) countOrder(row);
  });
  source.addEventListener('notification_deliveries', (e) => {
    for (const row of JSON.parse(e.data).rows) renderDeliveries(row, true);
  });
  source.addEventListener('rebuild', () => {
    void loadStock();
    void loadDeliveries();
  });
}

void showOperator();
connect();
void loadStock();
void loadDeliveries();
setInterval(tickOrders, 1000);
setInterval(pollHealth, 1000);
tickOrders();
void pollHealth();
