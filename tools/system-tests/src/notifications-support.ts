// Helpers for the notifications system tests: the sinks' APIs, an SSE reader, inventory stock moves.
import { expect } from '@jest/globals';
import { http, type TestSystem } from './test-system.js';

export interface SinkMail {
  id: string;
  to: string[];
  subject: string;
  text: string | null;
  headers: Partial<Record<'list-unsubscribe' | 'list-unsubscribe-post' | 'message-id', string>>;
  receivedAt: string;
}

export interface SinkSms {
  sid: string;
  to: string;
  body: string;
  accountSid: string;
  receivedAt: string;
}

export async function mailsTo(sys: TestSystem, to?: string): Promise<SinkMail[]> {
  return (await http<SinkMail[]>('GET', `${sys.url('mail-sink')}/api/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`)).body;
}

export async function smsTo(sys: TestSystem, to?: string): Promise<SinkSms[]> {
  return (await http<SinkSms[]>('GET', `${sys.url('sms-sink')}/api/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`)).body;
}

export async function mailMode(sys: TestSystem, mode: 'accept' | 'reject-temporary' | 'reject-permanent'): Promise<void> {
  expect((await http('POST', `${sys.url('mail-sink')}/api/control`, { mode })).status).toBe(200);
}

export async function smsMode(sys: TestSystem, mode: 'accept' | 'fail-500' | 'fail-429' | 'timeout', accounts?: string[]): Promise<void> {
  expect((await http('POST', `${sys.url('sms-sink')}/api/control`, accounts ? { mode, accounts } : { mode })).status).toBe(200);
}

/** Registers a SKU with no stock in inventory. */
export async function registerSku(sys: TestSystem, sku: string, name: string): Promise<void> {
  expect((await http('POST', `${sys.url('inventory')}/skus`, { sku, name, lowStockThreshold: 0 })).status).toBe(201);
}

export async function receive(sys: TestSystem, sku: string, quantity: number): Promise<void> {
  expect((await http('POST', `${sys.url('inventory')}/skus/${sku}/receipts`, { quantity })).status).toBe(200);
}

export async function sellOut(sys: TestSystem, sku: string): Promise<void> {
  const { body } = await http<{ available: number }>('GET', `${sys.url('inventory')}/skus/${sku}`);
  expect((await http('POST', `${sys.url('inventory')}/skus/${sku}/adjustments`, { delta: -body.available, reason: 'sold elsewhere' })).status).toBe(200);
}

export async function preferences(sys: TestSystem, customerId: string, body: Record<string, unknown>): Promise<void> {
  const response = await http('PUT', `${sys.url('notifications')}/customers/${customerId}/preferences`, body);
  expect(response.status).toBe(200);
}

export async function subscribe(sys: TestSystem, customerId: string, sku: string, kind = 'back-in-stock'): Promise<string> {
  const response = await http<{ id: string }>('POST', `${sys.url('notifications')}/subscriptions`, { customerId, sku, kind });
  expect(response.status).toBe(201);
  return response.body.id;
}

export interface Sse {
  readonly events: { id: string; data: Record<string, unknown>; at: number }[];
  close(): void;
}

/** Opens a customer's notification stream and collects its events with their arrival time. */
export async function openStream(sys: TestSystem, customerId: string): Promise<Sse> {
  const controller = new AbortController();
  const response = await fetch(`${sys.url('notifications')}/customers/${customerId}/notifications/stream`, { signal: controller.signal });
  expect(response.status).toBe(200);
  const events: Sse['events'] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && data) events.push({ id, data: JSON.parse(data) as Record<string, unknown>, at: Date.now() });
        }
      }
    } catch {
      // closed
    }
  })();
  // The stream is registered once its first bytes (retry + comment) arrived.
  await new Promise((r) => setTimeout(r, 100));
  return { events, close: () => controller.abort() };
}
