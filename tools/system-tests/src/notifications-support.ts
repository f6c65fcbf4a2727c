// Helpers for the notifications system tests: the sinks' APIs, an SSE reader, inventory stock moves.
import { expect } from '@jest/globals';
import { confirmContacts, notificationMails, notificationSms, openSse, setMailSinkMode, setSmsSinkMode, sleep, type MailMode, type StoredMail, type StoredSms, type SmsMode, type SseClient } from '@stockflow/testing';
import { http, type TestSystem } from './test-system.js';

/** Notification mails the sink received (confirmation codes left out). */
export const mailsTo = (sys: TestSystem, to?: string): Promise<StoredMail[]> => notificationMails(sys.url('mail-sink'), to);

/** Notification text messages the sink received (confirmation codes left out). */
export const smsTo = (sys: TestSystem, to?: string): Promise<StoredSms[]> => notificationSms(sys.url('sms-sink'), to);

export const mailMode = (sys: TestSystem, mode: MailMode): Promise<void> => setMailSinkMode(sys.url('mail-sink'), mode);

export const smsMode = (sys: TestSystem, mode: SmsMode, accounts?: string[]): Promise<void> => setSmsSinkMode(sys.url('sms-sink'), mode, accounts);

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

/** Sets a customer's preferences and confirms the email address and phone number they turn on, with the codes the sinks received (ADR 0028). */
export async function preferences(sys: TestSystem, customerId: string, body: Record<string, unknown>): Promise<void> {
  const response = await http('PUT', `${sys.url('notifications')}/customers/${customerId}/preferences`, body);
  expect(response.status).toBe(200);
  await confirmContacts({ notificationsUrl: sys.url('notifications'), mailSinkUrl: sys.url('mail-sink'), smsSinkUrl: sys.url('sms-sink') }, customerId, body);
}

export async function subscribe(sys: TestSystem, customerId: string, sku: string, kind = 'back-in-stock'): Promise<string> {
  const response = await http<{ subscriptionId: string }>('POST', `${sys.url('notifications')}/subscriptions`, { customerId, sku, kind });
  expect(response.status).toBe(201);
  return response.body.subscriptionId;
}

export type Sse = SseClient<Record<string, unknown>>;

/** Opens a customer's notification stream and collects its events (JSON) with their arrival time. */
export async function openStream(sys: TestSystem, customerId: string): Promise<Sse> {
  const stream = await openSse(`${sys.url('notifications')}/customers/${customerId}/notifications/stream`, { parse: (data) => JSON.parse(data) as Record<string, unknown> });
  expect(stream.status).toBe(200);
  // The stream is registered once its first bytes (retry + comment) arrived.
  await sleep(100);
  return stream;
}
