// What the dashboard page may read through the dashboard (ADR 0025): the dashboard calls the projections
// service with its own operator token, so whatever it forwards, anyone who reaches the page reads. It
// forwards only the aggregate views the page shows, and a live stream stripped of customers: order
// changes keep their status and an opaque order key, carts are dropped.
import { createHmac, randomBytes } from 'node:crypto';

/** The projections paths (after `/api`) the page uses. Everything else is not the dashboard's to show. */
export const PUBLIC_VIEW_PATHS: readonly string[] = ['/views/stock', '/views/notifications/deliveries', '/views/stream', '/views/dead-letters', '/views/summary'];

/** A SKU's detail (`/views/stock/<sku>/detail`): forwarded with its order ids made opaque. */
const SKU_DETAIL = /^\/views\/stock\/[A-Za-z0-9._:-]{1,64}\/detail$/;

/** The stream's events the page listens to; `customer_orders` is reduced, the rest dropped. */
const PASSED_EVENTS = new Set(['stock', 'notification_deliveries', 'rebuild']);

export function isPublicView(path: string): boolean {
  return PUBLIC_VIEW_PATHS.includes(path) || isSkuDetail(path);
}

export function isSkuDetail(path: string): boolean {
  return SKU_DETAIL.test(path);
}

/** A SKU's detail as the page gets it: every order id (reservations, recent events) replaced by its opaque key. */
export function skuDetailForPage(body: string, orderKey: (orderId: string) => string): string {
  const detail = JSON.parse(body) as { reservations?: Array<{ orderId: string }>; recent?: Array<{ orderId?: string }> } & Record<string, unknown>;
  return JSON.stringify({
    ...detail,
    reservations: (detail.reservations ?? []).map((r) => ({ ...r, orderId: orderKey(r.orderId) })),
    recent: (detail.recent ?? []).map((e) => (e.orderId === undefined ? e : { ...e, orderId: orderKey(e.orderId) })),
  });
}

/**
 * Rewrites one Server-Sent Events frame (the text between blank lines) for the page: comments, retry
 * lines and the passed events unchanged; `customer_orders` rows as `{ orderId: <opaque key>, status }`;
 * anything else (carts, unknown views) dropped (null).
 */
export function frameForPage(frame: string, orderKey: (orderId: string) => string): string | null {
  const lines = frame.split('\n');
  const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
  if (event === undefined) return frame; // retry, comments, keepalives
  if (PASSED_EVENTS.has(event)) return frame;
  if (event !== 'customer_orders') return null;
  const data = lines
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart())
    .join('\n');
  try {
    const change = JSON.parse(data) as { rows?: Array<{ orderId?: unknown; status?: unknown }> } & Record<string, unknown>;
    const rows = (change.rows ?? []).map((row) => ({ orderId: orderKey(String(row.orderId)), status: row.status }));
    return `event: customer_orders\ndata: ${JSON.stringify({ view: 'customer_orders', rows, sequence: change['sequence'], at: change['at'] })}`;
  } catch {
    return null;
  }
}

/** An opaque, per-process key for an order id: stable while the dashboard runs, meaningless outside it. */
export function opaqueOrderKeys(): (orderId: string) => string {
  const secret = randomBytes(32);
  return (orderId) => createHmac('sha256', secret).update(orderId).digest('base64url').slice(0, 16);
}

/** Splits a text stream into SSE frames and passes each through `rewrite`; what is dropped never leaves. */
export class SseFrameFilter {
  private buffer = '';

  constructor(private readonly rewrite: (frame: string) => string | null) {}

  /** The text to send for `chunk` (whole frames only; a partial frame waits for the rest). */
  push(chunk: string): string {
    this.buffer += chunk.replace(/\r\n/g, '\n');
    let out = '';
    for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n')) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const rewritten = this.rewrite(frame);
      if (rewritten !== null) out += `${rewritten}\n\n`;
    }
    return out;
  }
}
