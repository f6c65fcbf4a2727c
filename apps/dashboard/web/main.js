// The live dashboard: the flow's health above the fold, the stock that needs attention beside a
// SKU's detail and the dead letters, all live from the projections' SSE stream and the processes'
// /metrics. Never the whole catalogue: one page of a keyset-paged list at a time.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { loadDeadLetters } from './dead-letters.js';
import { Flow } from './flow.js';
import { SkuDetail } from './sku-detail.js';
import { StockPanel } from './stock-panel.js';

const detail = new SkuDetail();
const stock = new StockPanel((sku) => void detail.show(sku));
const flow = new Flow();

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
    const rows = JSON.parse(e.data).rows;
    stock.apply(rows);
    detail.changed(rows.map((r) => r.sku));
  });
  source.addEventListener('customer_orders', (e) => {
    for (const change of JSON.parse(e.data).rows) flow.order(change);
  });
  source.addEventListener('notification_deliveries', (e) => {
    for (const row of JSON.parse(e.data).rows) flow.channel(row, true);
  });
  source.addEventListener('rebuild', () => {
    void stock.load();
    void flow.loadChannels();
  });
}

void showOperator();
connect();
void stock.load();
void flow.loadChannels();
void flow.loadStockCounts();
void loadDeadLetters();
setInterval(() => {
  flow.tick();
  stock.tick();
}, 1000);
setInterval(() => void flow.pollHealth(), 1000);
setInterval(() => {
  void flow.loadStockCounts();
  void loadDeadLetters();
}, 5000);
flow.tick();
void flow.pollHealth();
