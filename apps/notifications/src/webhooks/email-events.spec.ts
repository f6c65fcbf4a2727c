// Bounces and complaints (ADR 0032) on the real service and PostgreSQL: a hard bounce or a complaint
// about a message to a customer's confirmed address suppresses it (EmailSuppressed, unconfirmed, the
// preferences say why) until they confirm it again; soft bounces, repeats, other addresses and messages
// that are not ours change nothing; signed webhooks only outside development.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { contactJoins, CONTACT_COLUMNS, notifierMigrations } from '@stockflow/notifications-store';
import { migrate, quoteSchema } from '@stockflow/postgres';
import { expectNothingAppended, expectProblem } from '@stockflow/testing';
import { randomUUID } from 'node:crypto';
import { startNotificationsTestService, type NotificationsTestService } from '../testing/notifications-test-service.js';
import { mailgunSignature } from './mailgun-signature.js';

describe('POST /webhooks/email/events (hard bounces and complaints)', () => {
  let svc: NotificationsTestService;
  const s = (): string => quoteSchema(svc.schema);

  beforeAll(async () => {
    svc = await startNotificationsTestService();
    await migrate(svc.running.infrastructure.pool, svc.schema, notifierMigrations);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** Sets the customer's address and confirms it with the code (read where it waits for the notifier); returns the confirmation id. */
  async function confirmedCustomer(customerId: string, email: string): Promise<string> {
    await svc.http().put(`/customers/${customerId}/preferences`).send({ email, channels: { email: true, sms: false, web: true } }).expect(200);
    const { rows } = await svc.running.infrastructure.pool.query<{ code: string; confirmation_id: string }>(
      `SELECT code, confirmation_id FROM ${s()}.contact_confirmations WHERE customer_id = $1 AND channel = 'email' AND NOT finished`,
      [customerId],
    );
    await svc.http().post(`/customers/${customerId}/contacts/email/confirm`).send({ code: rows[0]!.code }).expect(204);
    return rows[0]!.confirmation_id;
  }
  /** A notification e-mail the notifier sent to the customer. */
  async function emailDelivery(customerId: string): Promise<string> {
    const id = randomUUID();
    await svc.running.infrastructure.pool.query(
      `INSERT INTO ${s()}.deliveries (id, subscription_id, event_id, channel, customer_id, sku, kind, status, attempts, next_attempt_at, event_occurred_at)
       VALUES ($1, $2, $3, 'email', $4, 'MUG-1', 'back-in-stock', 'sent', 1, now(), now())`,
      [id, randomUUID(), randomUUID(), customerId],
    );
    return id;
  }
  const mailEvent = (event: string, recipient: string, messageId: string, extra: Record<string, unknown> = {}) => ({
    'event-data': { event, recipient, id: randomUUID(), timestamp: Date.now() / 1000, message: { headers: { 'message-id': messageId } }, ...extra },
  });
  const post = (body: unknown) => svc.http().post('/webhooks/email/events').send(body as object);
  const preferences = async (customerId: string) => (await svc.http().get(`/customers/${customerId}/preferences`).expect(200)).body;
  /** What the notifier's planner sees of the customer's e-mail. */
  const emailConfirmedForNotifier = async (customerId: string): Promise<boolean> => {
    const { rows } = await svc.running.infrastructure.pool.query<{ email_confirmed: boolean }>(
      `SELECT ${CONTACT_COLUMNS} FROM (SELECT $1::text AS customer_id) k ${contactJoins(s(), 'k')}`,
      [customerId],
    );
    return rows[0]!.email_confirmed;
  };

  it('a hard bounce of a notification suppresses the address: EmailSuppressed (no address in it), unconfirmed, the preferences say why; a repeat records nothing', async () => {
    await confirmedCustomer('bo', 'Bo@Example.com');
    expect(await emailConfirmedForNotifier('bo')).toBe(true);
    const delivery = await emailDelivery('bo');
    const bounce = mailEvent('failed', 'bo@example.com', `<${delivery}@notifier.stockflow>`, {
      severity: 'permanent',
      'delivery-status': { code: 550, description: '5.1.1 <bo@example.com>: mailbox does not exist' },
    });
    await post(bounce).expect(204);
    expect(await emailConfirmedForNotifier('bo')).toBe(false);
    const prefs = await preferences('bo');
    expect(prefs.confirmed.email).toBe(false);
    expect(prefs.emailSuppressed).toEqual({ reason: 'bounce', at: expect.any(String) });
    const { events } = await svc.running.infrastructure.store.readStream('customer-bo');
    const suppressed = events.filter((e) => e.type === 'EmailSuppressed');
    expect(suppressed.map((e) => e.data)).toEqual([{ customerId: 'bo', reason: 'bounce', provider: 'mailgun', detail: '550 5.1.1 <address>: mailbox does not exist', messageId: `<${delivery}@notifier.stockflow>` }]);
    expect(JSON.stringify(suppressed[0]!.data).toLowerCase()).not.toContain('bo@example.com');
    await expectNothingAppended(svc, async () => {
      await post(bounce).expect(204);
    });
  });

  it('confirming the address again lifts the suppression', async () => {
    await svc.http().put('/customers/bo/preferences').send({ email: 'bo@example.com', channels: { email: true, sms: false, web: true } }).expect(200);
    const { rows } = await svc.running.infrastructure.pool.query<{ code: string }>(
      `SELECT code FROM ${s()}.contact_confirmations WHERE customer_id = 'bo' AND channel = 'email' AND NOT finished`,
    );
    expect(rows).toHaveLength(1); // a new code was asked for
    await svc.http().post('/customers/bo/contacts/email/confirm').send({ code: rows[0]!.code }).expect(204);
    const prefs = await preferences('bo');
    expect(prefs.confirmed.email).toBe(true);
    expect(prefs.emailSuppressed).toBeNull();
    expect(await emailConfirmedForNotifier('bo')).toBe(true);
  });

  it('a complaint about a confirmation code suppresses too; a soft bounce, another address by now, and a message that is not ours change nothing', async () => {
    const confirmation = await confirmedCustomer('cy', 'cy@example.com');
    await expectNothingAppended(svc, async () => {
      await post(mailEvent('failed', 'cy@example.com', `<${confirmation}@notifier.stockflow>`, { severity: 'temporary' })).expect(204);
      await post(mailEvent('delivered', 'cy@example.com', `<${confirmation}@notifier.stockflow>`)).expect(204);
      await post(mailEvent('failed', 'someone.else@example.com', `<${confirmation}@notifier.stockflow>`, { severity: 'permanent' })).expect(204);
      await post(mailEvent('complained', 'cy@example.com', `<${randomUUID()}@notifier.stockflow>`)).expect(204);
      await post(mailEvent('complained', 'cy@example.com', '<20260101.1234@mail.example.com>')).expect(204);
    });
    await post(mailEvent('complained', 'cy@example.com', `${confirmation}@notifier.stockflow`)).expect(204);
    expect((await preferences('cy')).emailSuppressed).toEqual({ reason: 'complaint', at: expect.any(String) });
  });

  it('malformed events are 400 problems, never a 500', async () => {
    await expectNothingAppended(svc, async () => {
      for (const body of [{}, { 'event-data': 'x' }, { 'event-data': { event: 'failed', recipient: 'not-an-address', message: { headers: { 'message-id': 'x' } } } }, { 'event-data': { event: 'failed', recipient: 'a@b.c', message: {} } }]) {
        expectProblem(await post(body), 400);
      }
      expectProblem(await svc.http().post('/webhooks/email/events').set('content-type', 'application/json').send('{not json'), 400);
    });
  });
});

describe('POST /webhooks/email/events signed (EMAIL_WEBHOOK_SIGNING_KEY), in production mode', () => {
  let svc: NotificationsTestService;
  const key = 'mailgun-signing-key-0123456789';

  beforeAll(async () => {
    svc = await startNotificationsTestService({ EMAIL_WEBHOOK_SIGNING_KEY: key, STOCKFLOW_ENV: 'production', UNSUBSCRIBE_SECRET: 'a-secret-of-this-deployment-only' });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const event = { 'event-data': { event: 'delivered', recipient: 'a@example.com', message: { headers: { 'message-id': '<x@mail.example.com>' } } } };
  const signed = (timestamp: number, token = 'abc123') => ({ ...event, signature: { timestamp: String(timestamp), token, signature: mailgunSignature(key, String(timestamp), token) } });

  it('accepts a fresh, correctly signed event; 403 when unsigned, wrongly signed or stale (a replay)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await svc.http().post('/webhooks/email/events').send(signed(now)).expect(204);
    expectProblem(await svc.http().post('/webhooks/email/events').send(event), 403);
    expectProblem(await svc.http().post('/webhooks/email/events').send({ ...signed(now), signature: { ...signed(now).signature, token: 'other' } }), 403);
    expectProblem(await svc.http().post('/webhooks/email/events').send(signed(now - 3600)), 403);
  });
});
