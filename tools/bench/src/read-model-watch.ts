// Command → read model visible, observed on the projections' SSE stream (GET /views/stream), not by
// polling. Each change carries the rows a committed batch left behind; a command's effect is
// recognised by a predicate on its row (stock: on-hand reached the figure the receipt answered;
// cart: created / has the line / checked out; order: placed / cancelled). The predicates hold for
// every later row too, so a batch that folds several commands on one row resolves all of them.
import { openSse, type SseStream } from './sse.js';

export type ViewName = 'stock' | 'customer_orders' | 'carts';

const KEY_FIELD: Record<ViewName, string> = { stock: 'sku', customer_orders: 'orderId', carts: 'cartId' };

export type Row = Record<string, unknown>;

interface Pending {
  readonly accepts: (row: Row) => boolean;
  readonly visible: (at: number) => void;
}

export class ReadModelWatch {
  /** The last row seen per `view:key`: a change may arrive before the command's HTTP answer. */
  private latest = new Map<string, { row: Row; at: number }>();
  private pending = new Map<string, Pending[]>();
  private listeners: ((view: ViewName, row: Row, at: number) => void)[] = [];
  private stream: SseStream | null = null;
  rowsSeen = 0;

  async open(url: string, headers: Record<string, string> = {}): Promise<void> {
    this.stream = await openSse(`${url}/views/stream`, (e) => {
      if (!(e.event in KEY_FIELD)) return;
      const view = e.event as ViewName;
      const change = JSON.parse(e.data) as { rows: Row[] };
      for (const row of change.rows) this.onRow(view, row, e.at);
    }, headers);
  }

  close(): void {
    this.stream?.close();
  }

  /** Calls `listener` for every row change (e.g. to learn which orders got confirmed). */
  onChange(listener: (view: ViewName, row: Row, at: number) => void): void {
    this.listeners.push(listener);
  }

  /** Calls `visible(arrivalTime)` once a row of `view` with `key` satisfies `accepts` (perhaps already). */
  expect(view: ViewName, key: string, accepts: (row: Row) => boolean, visible: (at: number) => void): void {
    const id = `${view}:${key}`;
    const seen = this.latest.get(id);
    if (seen && accepts(seen.row)) return visible(seen.at);
    const list = this.pending.get(id);
    if (list) list.push({ accepts, visible });
    else this.pending.set(id, [{ accepts, visible }]);
  }

  get pendingCount(): number {
    let n = 0;
    for (const list of this.pending.values()) n += list.length;
    return n;
  }

  /** Forgets every row and expectation (between phases); returns how many expectations were never met. */
  clear(): number {
    const unmet = this.pendingCount;
    this.latest = new Map();
    this.pending = new Map();
    return unmet;
  }

  private onRow(view: ViewName, row: Row, at: number): void {
    this.rowsSeen++;
    const id = `${view}:${String(row[KEY_FIELD[view]])}`;
    this.latest.set(id, { row, at });
    for (const listener of this.listeners) listener(view, row, at);
    const list = this.pending.get(id);
    if (!list) return;
    const rest = list.filter((p) => {
      if (!p.accepts(row)) return true;
      p.visible(at);
      return false;
    });
    if (rest.length > 0) this.pending.set(id, rest);
    else this.pending.delete(id);
  }
}
