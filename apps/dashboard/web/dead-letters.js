// Dead letters per consumer, read-only: how many, the newest reason, first and last seen. Replaying
// them is the operator CLI's work once it exists.
import { ago, getJson, row } from './dom.js';

export async function loadDeadLetters() {
  const items = [];
  let cursor = null;
  do {
    const page = await getJson(`api/views/dead-letters?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!page) return;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  items.sort((a, b) => b.count - a.count);
  const total = items.reduce((n, d) => n + d.count, 0);
  document.querySelector('#dead-letters').textContent = String(total);
  document.querySelector('#kpi-dead-letters-tile').classList.toggle('alert', total > 0);
  document.querySelector('#dlq-empty').hidden = items.length > 0;
  document.querySelector('#dlq tbody').replaceChildren(
    ...items.map((d) => {
      const tr = row([d.consumer, [d.count, 'num'], [d.lastReason, 'reason'], `${ago(d.firstSeenAt)} ago`, `${ago(d.lastSeenAt)} ago`]);
      tr.dataset.consumer = d.consumer;
      tr.title = d.lastError;
      return tr;
    }),
  );
}
