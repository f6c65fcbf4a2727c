// The stock that needs attention first: out-of-stock and low-stock SKUs, most recently changed first;
// every SKU most recently changed first; or a search by SKU or name. Always one page of the
// projections' keyset-paged list (never the whole catalogue); live changes update the rows on screen
// in place, and new ones enter at the top of a first page.
import { ago, el, getJson } from './dom.js';

const PAGE_SIZE = 10;
const ATTENTION = new Set(['out-of-stock', 'low-stock']);
/** What the projections accept as a search (letters, digits, spaces, `._:-`). */
const SEARCH = /^[\p{L}\p{N} ._:-]{1,64}$/u;

export class StockPanel {
  /** `onSelect(sku)`: a row was clicked. */
  constructor(onSelect) {
    this.onSelect = onSelect;
    this.tbody = document.querySelector('#stock tbody');
    this.empty = document.querySelector('#stock-empty');
    this.tab = 'attention';
    this.query = '';
    this.cursors = [null];
    this.pageIndex = 0;
    this.nextCursor = null;
    this.selected = null;
    this.loading = 0;
    for (const name of ['attention', 'recent', 'search']) {
      document.querySelector(`#tab-${name}`).addEventListener('click', () => this.show(name));
    }
    document.querySelector('#prev').addEventListener('click', () => this.turn(-1));
    document.querySelector('#next').addEventListener('click', () => this.turn(1));
    const search = document.querySelector('#search');
    let timer;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.search(search.value.trim(), search), 120);
    });
    this.tbody.addEventListener('click', (event) => {
      const tr = event.target.closest('tr[data-sku]');
      if (tr) this.select(tr.dataset.sku);
    });
  }

  show(tab) {
    this.tab = tab;
    for (const name of ['attention', 'recent', 'search']) {
      const button = document.querySelector(`#tab-${name}`);
      button.classList.toggle('active', name === tab);
      button.setAttribute('aria-selected', String(name === tab));
    }
    this.cursors = [null];
    this.pageIndex = 0;
    return this.load();
  }

  search(text, input) {
    const valid = text === '' || SEARCH.test(text);
    input.classList.toggle('invalid', !valid);
    if (!valid) return;
    document.querySelector('#tab-search').hidden = text === '';
    if (text === '') return this.show(this.tab === 'search' ? 'attention' : this.tab);
    this.query = text;
    return this.show('search');
  }

  turn(step) {
    if (step > 0 && this.nextCursor) {
      this.cursors[this.pageIndex + 1] = this.nextCursor;
      this.pageIndex++;
    } else if (step < 0 && this.pageIndex > 0) this.pageIndex--;
    else return;
    return this.load();
  }

  listUrl() {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.tab === 'attention') params.set('status', 'out-of-stock,low-stock');
    if (this.tab === 'search') params.set('q', this.query);
    else params.set('order', 'recent');
    const cursor = this.cursors[this.pageIndex];
    if (cursor) params.set('cursor', cursor);
    return `api/views/stock?${params}`;
  }

  /** Loads the current page; an answer overtaken by a newer request is dropped. */
  async load() {
    const ticket = ++this.loading;
    const page = await getJson(this.listUrl());
    if (ticket !== this.loading) return;
    if (!page) {
      this.empty.textContent = 'The stock list could not be loaded; retrying with the next change.';
      this.empty.hidden = false;
      return;
    }
    this.nextCursor = page.nextCursor;
    this.tbody.replaceChildren(...page.items.map((view) => this.rowOf(view)));
    this.empty.hidden = page.items.length > 0;
    this.empty.textContent = this.tab === 'attention' ? 'Nothing is out of stock or low.' : this.tab === 'search' ? `No SKU or name matches “${this.query}”.` : 'No stock yet.';
    document.querySelector('#prev').disabled = this.pageIndex === 0;
    document.querySelector('#next').disabled = !this.nextCursor;
    document.querySelector('#page-label').textContent = `page ${this.pageIndex + 1}`;
  }

  /** A live change of SKU views: rows on screen updated in place; new ones at the top of a first page. */
  apply(views) {
    for (const view of views) {
      const shown = this.tbody.querySelector(`tr[data-sku="${CSS.escape(view.sku)}"]`);
      if (shown) {
        this.fill(shown, view);
        // A SKU that left the attention list stays in view, marked, until the page is loaded again.
        shown.classList.toggle('resolved', this.tab === 'attention' && !ATTENTION.has(view.status));
        if (this.tab !== 'search') this.tbody.prepend(shown);
        flash(shown);
        continue;
      }
      const belongs = this.pageIndex === 0 && (this.tab === 'recent' || (this.tab === 'attention' && ATTENTION.has(view.status)));
      if (!belongs) continue;
      const tr = this.rowOf(view);
      this.tbody.prepend(tr);
      flash(tr);
      while (this.tbody.children.length > PAGE_SIZE) this.tbody.lastElementChild.remove();
      this.empty.hidden = true;
    }
  }

  select(sku) {
    this.selected = sku;
    for (const tr of this.tbody.querySelectorAll('tr.selected')) tr.classList.remove('selected');
    this.tbody.querySelector(`tr[data-sku="${CSS.escape(sku)}"]`)?.classList.add('selected');
    this.onSelect(sku);
  }

  rowOf(view) {
    const tr = document.createElement('tr');
    tr.dataset.sku = view.sku;
    for (const name of ['sku', 'name', 'num onhand', 'num reserved', 'num available']) tr.append(el('td', '', { class: name }));
    const status = el('td');
    status.append(el('span', '', { class: 'badge status' }));
    tr.append(status, el('td', '', { class: 'changed muted' }));
    if (view.sku === this.selected) tr.classList.add('selected');
    this.fill(tr, view);
    return tr;
  }

  fill(tr, view) {
    tr.querySelector('.sku').textContent = view.sku;
    tr.querySelector('.name').textContent = view.name;
    tr.querySelector('.name').title = view.name;
    tr.querySelector('.onhand').textContent = view.onHand;
    tr.querySelector('.reserved').textContent = view.reserved;
    tr.querySelector('.available').textContent = view.available;
    const badge = tr.querySelector('.status');
    badge.textContent = view.status.replace(/-/g, ' ');
    badge.className = `badge status ${view.status}`;
    tr.dataset.status = view.status;
    tr.dataset.updatedAt = view.updatedAt;
    tr.querySelector('.changed').textContent = `${ago(view.updatedAt)} ago`;
  }

  /** Refreshes the "changed … ago" column. */
  tick() {
    for (const tr of this.tbody.querySelectorAll('tr[data-updated-at]')) tr.querySelector('.changed').textContent = `${ago(tr.dataset.updatedAt)} ago`;
  }
}

function flash(tr) {
  tr.classList.remove('flash');
  void tr.offsetWidth;
  tr.classList.add('flash');
}
