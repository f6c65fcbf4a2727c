// The SMS provider's status callbacks against the real PostgreSQL: reports applied to the SMS delivery
// that sent the message, SmsDeliveryReported once, idempotent and order-proof; 21610 opts the number out.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { phoneIndexKey, phoneIndexOf } from '@stockflow/notifications-context';
import { applySmsStatusReport, notifierMigrations } from '@stockflow/notifications-store';
import { migrate, quoteSchema } from '@stockflow/postgres';
import { expectNothingAppended, expectProblem } from '@stockflow/testing';
import { randomUUID } from 'node:crypto';
import { DEV_UNSUBSCRIBE_SECRET } from '../notifications-config.js';
import { startNotificationsTestService, type NotificationsTestService } from '../testing/notifications-test-service.js';
import { twilioSignature } from './twilio-signature.js';

describe('POST /webhooks/sms/status (the provider reports what became of an SMS)', () => {
  let svc: NotificationsTestService;
  const s = (): string => quoteSchema(svc.schema);

  beforeAll(async () => {
    svc = await startNotificationsTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** An SMS delivery the notifier recorded as sent with this SID, its NotificationDelivered on its stream. */
  async function sentSms(sid: string): Promise<string> {
    const id = randomUUID();
    const pool = svc.running.infrastructure.pool;
    await pool.query(
      `INSERT INTO ${s()}.deliveries (id, subscription_id, event_id, channel, customer_id, sku, kind, status, attempts, next_attempt_at, provider, provider_message_id, recipient, event_occurred_at, sent_at)
       VALUES ($1, $2, $3, 'sms', 'ada', 'MUG-1', 'back-in-stock', 'sent', 1, now(), 'primary', $4, '+49…11', now(), now())`,
      [id, randomUUID(), randomUUID(), sid],
    );
    await svc.running.infrastructure.store.appendToStream(`delivery-${id}`, [
      {
        eventId: randomUUID(),
        type: 'NotificationDelivered',
        schemaVersion: 1,
        data: { deliveryId: id, subscriptionId: randomUUID(), customerId: 'ada', sku: 'MUG-1', channel: 'sms', kind: 'back-in-stock', stockEventId: randomUUID(), attempts: 1, provider: 'primary', latencyMs: 5 },
        correlationId: id,
        causationId: null,
        traceparent: null,
      },
    ]);
    return id;
  }
  const report = (form: Record<string, string>) => svc.http().post('/webhooks/sms/status').type('form').send({ AccountSid: 'AC1', ApiVersion: '2010-04-01', ...form });
  const delivery = async (id: string) =>
    (await svc.running.infrastructure.pool.query(`SELECT provider_status, provider_error_code, provider_status_at FROM ${s()}.deliveries WHERE id = $1`, [id])).rows[0];
  const streamOf = async (id: string) => (await svc.running.infrastructure.store.readStream(`delivery-${id}`)).events.map((e) => [e.type, e.data]);

  it('needs the notifier’s tables: 503 before the notifier has run, so the provider sends it again', async () => {
    try {
      const early = await report({ MessageSid: 'SMearly', MessageStatus: 'delivered', To: '+4915100000001' });
      expect(early.status).toBe(503);
      expect(early.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await migrate(svc.running.infrastructure.pool, svc.schema, notifierMigrations);
    }
  });

  it('sent → delivered: recorded on the delivery, logged, and SmsDeliveryReported once; a repeat and a late `sent` change nothing', async () => {
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    const id = await sentSms(sid);
    await report({ MessageSid: sid, MessageStatus: 'sent', To: '+4915100000002' }).expect(204);
    expect(await delivery(id)).toMatchObject({ provider_status: 'sent', provider_error_code: null });
    await report({ MessageSid: sid, MessageStatus: 'delivered', To: '+4915100000002' }).expect(204);
    expect(await delivery(id)).toMatchObject({ provider_status: 'delivered', provider_error_code: null });
    await expectNothingAppended(svc, async () => {
      await report({ MessageSid: sid, MessageStatus: 'delivered', To: '+4915100000002' }).expect(204);
      await report({ MessageSid: sid, MessageStatus: 'sent', To: '+4915100000002' }).expect(204);
    });
    expect(await delivery(id)).toMatchObject({ provider_status: 'delivered' });
    expect(await streamOf(id)).toEqual([
      ['NotificationDelivered', expect.anything()],
      ['SmsDeliveryReported', { deliveryId: id, customerId: 'ada', sku: 'MUG-1', providerMessageId: sid, status: 'delivered', errorCode: null }],
    ]);
    const log = await svc.running.infrastructure.pool.query(`SELECT status, detail FROM ${s()}.delivery_log WHERE delivery_id = $1`, [id]);
    expect(log.rows).toEqual([{ status: 'reported', detail: 'delivered' }]);
  });

  it('sent → undelivered with the provider’s error code', async () => {
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    const id = await sentSms(sid);
    await report({ MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30003', To: '+4915100030003' }).expect(204);
    expect(await delivery(id)).toMatchObject({ provider_status: 'undelivered', provider_error_code: '30003' });
    expect((await streamOf(id))[1]).toEqual(['SmsDeliveryReported', expect.objectContaining({ status: 'undelivered', errorCode: '30003' })]);
  });

  it('a report that comes before the send is recorded waits, and is applied when the notifier records the send', async () => {
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    await report({ MessageSid: sid, MessageStatus: 'delivered', To: '+4915100000003' }).expect(204);
    const kept = await svc.running.infrastructure.pool.query(`SELECT status FROM ${s()}.sms_status_reports WHERE message_sid = $1`, [sid]);
    expect(kept.rows).toEqual([{ status: 'delivered' }]);
    // The notifier records the send, and in the same transaction applies what waits for its SID (markSent).
    const id = await sentSms(sid);
    const pool = svc.running.infrastructure.pool;
    expect(await applySmsStatusReport(pool, s(), sid)).toEqual([{ deliveryId: id, customerId: 'ada', sku: 'MUG-1', providerMessageId: sid, status: 'delivered', errorCode: null }]);
    expect(await delivery(id)).toMatchObject({ provider_status: 'delivered' });
    expect(await applySmsStatusReport(pool, s(), sid)).toEqual([]);
  });

  it('a message nobody sent is acknowledged and changes no delivery', async () => {
    await expectNothingAppended(svc, async () => {
      await report({ MessageSid: 'SMnobodysentthis', MessageStatus: 'delivered' }).expect(204);
    });
  });

  it('21610 (the recipient unsubscribed at the provider) opts the number out here too', async () => {
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    await sentSms(sid);
    await report({ MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '21610', To: '+4915100021610' }).expect(204);
    const index = phoneIndexOf(phoneIndexKey(DEV_UNSUBSCRIBE_SECRET), '+4915100021610');
    const { events } = await svc.running.infrastructure.store.readStream(`phone-${index}`);
    expect(events.map((e) => [e.type, e.data])).toEqual([['SmsOptedOut', { phone: index, keyword: 'PROVIDER-21610' }]]);
    const optOut = await svc.running.infrastructure.pool.query(`SELECT opted_out FROM ${s()}.phone_opt_outs WHERE phone_index = $1`, [index]);
    expect(optOut.rows).toEqual([{ opted_out: true }]);
  });

  it('bad forms are 400 problems naming the field, recording nothing', async () => {
    await expectNothingAppended(svc, async () => {
      for (const [form, field] of [
        [{ MessageStatus: 'delivered' }, 'MessageSid'],
        [{ MessageSid: "SM1'; DROP", MessageStatus: 'delivered' }, 'MessageSid'],
        [{ MessageSid: 'SM1', MessageStatus: 'exploded' }, 'MessageStatus'],
        [{ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: 'x1' }, 'ErrorCode'],
        [{ MessageSid: 'SM1', MessageStatus: 'failed', To: 'not a number' }, 'To'],
      ] as const) {
        const response = await svc.http().post('/webhooks/sms/status').type('form').send(form);
        expectProblem(response, 400);
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });
  });
});

describe('POST /webhooks/sms/status signed (SMS_WEBHOOK_AUTH_TOKEN), in production mode', () => {
  let svc: NotificationsTestService;
  const token = 'twilio-auth-token-456';

  beforeAll(async () => {
    svc = await startNotificationsTestService({ SMS_WEBHOOK_AUTH_TOKEN: token, PUBLIC_BASE_URL: 'https://notify.example.com', STOCKFLOW_ENV: 'production', UNSUBSCRIBE_SECRET: 'a-secret-of-this-deployment-only' });
    await migrate(svc.running.infrastructure.pool, svc.schema, notifierMigrations);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('accepts a correctly signed report; 403 for a missing or wrong signature, recording nothing', async () => {
    const form = { MessageSid: 'SMsigned1', MessageStatus: 'delivered', To: '+4915100000004' };
    await svc.http().post('/webhooks/sms/status').type('form').set('X-Twilio-Signature', twilioSignature(token, 'https://notify.example.com/webhooks/sms/status', form)).send(form).expect(204);
    const pool = svc.running.infrastructure.pool;
    const before = (await pool.query(`SELECT count(*)::int AS n FROM ${quoteSchema(svc.schema)}.sms_status_reports`)).rows[0].n;
    expectProblem(await svc.http().post('/webhooks/sms/status').type('form').send({ ...form, MessageSid: 'SMsigned2' }), 403);
    const wrong = twilioSignature(token, 'https://notify.example.com/webhooks/sms', { ...form, MessageSid: 'SMsigned3' });
    expectProblem(await svc.http().post('/webhooks/sms/status').type('form').set('X-Twilio-Signature', wrong).send({ ...form, MessageSid: 'SMsigned3' }), 403);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${quoteSchema(svc.schema)}.sms_status_reports`)).rows[0].n).toBe(before);
  });
});
