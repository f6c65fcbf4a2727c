// Dead letters per consumer: how many, the newest reason, first and last seen, and a replay button
// for the consumers that take replays — the same operation as `npm run ops -- replay` (ADR 0036).
// A projection's dead letters are remedied by a rebuild instead.
import { ago, el, getJson, row } from './dom.js';

async function replay(consumer, button) {
  const status = document.querySelector('#dlq-status');
  button.disabled = true;
  try {
    const response = await fetch(`api/admin/dead-letters/${encodeURIComponent(consumer)}/replay`, { method: 'POST', headers: { 'x-stockflow-action': 'replay' } });
    const body = await response.json().catch(() => null);
    status.textContent = response.ok ? `replayed ${body.replayed} dead letter(s) to ${consumer}` : `replay of ${consumer} failed: ${body?.detail ?? response.status}`;
  } catch {
    status.textContent = `replay of ${consumer} failed: the dashboard did not answer`;
  } finally {
    button.disabled = false;
    await loadDeadLetters();
  }
}

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
      const action = el('td', '', { class: 'action' });
      if (d.replayable) {
        const button = el('button', 'replay', { type: 'button', title: `Send ${d.consumer}'s dead letters back to it, after the fix` });
        button.addEventListener('click', () => void replay(d.consumer, button));
        action.append(button);
      } else action.textContent = 'rebuild';
      tr.append(action);
      return tr;
    }),
  );
}
