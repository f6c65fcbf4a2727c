import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { phoneIndexKey, phoneIndexOf } from '@stockflow/notifications-context';
import { notificationsMigrations, PHONE_BLIND_INDEX_MIGRATION, phoneOptOutJoin } from '@stockflow/notifications-store';
import { dropSchema, migrate, quoteSchema, uniqueSchemaName } from '@stockflow/postgres';
import { expectNothingAppended, expectProblem } from '@stockflow/testing';
import { DEV_UNSUBSCRIBE_SECRET } from '../notifications-config.js';
import { startNotificationsTestService, type NotificationsTestService } from '../testing/notifications-test-service.js';

describe('POST /webhooks/sms (STOP / START)', () => {
  let svc: NotificationsTestService;

  beforeAll(async () => {
    svc = await startNotificationsTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const indexOf = (phone: string): string => phoneIndexOf(phoneIndexKey(DEV_UNSUBSCRIBE_SECRET), phone);
  const twilioForm = (from: string, body: string) => ({ From: from, Body: body, To: '+15005550006', MessageSid: 'SM123', AccountSid: 'AC1', NumMedia: '0' });

  it('STOP opts the number out (SmsOptedOut on phone-<blind index>), START opts it back in; answers empty TwiML; the number is in no event', async () => {
    const stop = await svc.http().post('/webhooks/sms').type('form').send(twilioForm('+4915111111111', ' stop. ')).expect(200);
    expect(stop.headers['content-type']).toContain('text/xml');
    expect(stop.text).toContain('<Response></Response>');
    await expectNothingAppended(svc, async () => {
      await svc.http().post('/webhooks/sms').type('form').send(twilioForm('+4915111111111', 'UNSUBSCRIBE')).expect(200);
    });
    await svc.http().post('/webhooks/sms').type('form').send(twilioForm('+4915111111111', 'Start')).expect(200);
    const index = indexOf('+4915111111111');
    const { events } = await svc.running.infrastructure.store.readStream(`phone-${index}`);
    expect(events.map((e) => [e.type, e.schemaVersion, e.data])).toEqual([
      ['SmsOptedOut', 2, { phone: index, keyword: 'STOP' }],
      ['SmsOptedIn', 2, { phone: index, keyword: 'START' }],
    ]);
    const { rows } = await svc.running.infrastructure.pool.query<{ raw: string }>(`SELECT string_agg(e::text, ' ') AS raw FROM ${quoteSchema(svc.schema)}.events e`);
    expect(rows[0]!.raw).not.toContain('4915111111111');
    // Keyed by the index; the table has no column for the number.
    const optOuts = await svc.running.infrastructure.pool.query(`SELECT * FROM ${quoteSchema(svc.schema)}.phone_opt_outs WHERE phone_index = $1`, [index]);
    expect(optOuts.rows).toEqual([expect.objectContaining({ phone_index: index, opted_out: false })]);
    expect(optOuts.rows[0]).not.toHaveProperty('phone');
  });

  it("matches a customer's number to its opt-out by the index; a schema from before the index is indexed by its migration, numbers dropped", async () => {
    const pool = svc.running.infrastructure.pool;
    const optedOut = async (customerId: string): Promise<boolean> => (await svc.http().get(`/customers/${customerId}/preferences`).expect(200)).body.smsOptedOut;
    await svc.http().put('/customers/cleo/preferences').send({ phone: '+4915144444444', channels: { email: false, sms: true, web: true } }).expect(200);
    expect(await optedOut('cleo')).toBe(false);
    await svc.http().post('/webhooks/sms').type('form').send(twilioForm('+4915144444444', 'STOP')).expect(200);
    expect(await optedOut('cleo')).toBe(true);

    // A schema as the migrations before the index left it: an opt-out keyed by the number, a customer with that number.
    const legacy = uniqueSchemaName('t_phone_legacy');
    const key = phoneIndexKey(DEV_UNSUBSCRIBE_SECRET);
    try {
      const migrations = notificationsMigrations(key);
      const before = migrations.findIndex((m) => m.id === PHONE_BLIND_INDEX_MIGRATION);
      await migrate(pool, legacy, migrations.slice(0, before));
      const s = quoteSchema(legacy);
      await pool.query(`INSERT INTO ${s}.phone_opt_outs (phone, opted_out, keyword, version) VALUES ('+4915155555555', true, 'STOP', 1)`);
      await pool.query(`INSERT INTO ${s}.customers (customer_id, version, preferences_set, phone) VALUES ('dora', 1, true, '+4915155555555')`);
      expect(await migrate(pool, legacy, migrations.slice(0, before + 1))).toEqual([PHONE_BLIND_INDEX_MIGRATION]);
      const { rows } = await pool.query(`SELECT * FROM ${s}.phone_opt_outs`);
      expect(rows).toEqual([expect.objectContaining({ phone_index: indexOf('+4915155555555'), opted_out: true })]);
      expect(rows[0]).not.toHaveProperty('phone');
      const joined = await pool.query(`SELECT o.opted_out FROM ${s}.customers c ${phoneOptOutJoin(s, 'c', 'o')} WHERE c.customer_id = 'dora'`);
      expect(joined.rows).toEqual([{ opted_out: true }]);
    } finally {
      await dropSchema(pool, legacy);
    }
  });

  it.each(['CANCEL', 'END', 'QUIT', 'STOPALL'])('%s opts out too', async (keyword) => {
    const phone = `+491512222${String(1000 + keyword.length)}`;
    await svc.http().post('/webhooks/sms').type('form').send(twilioForm(phone, keyword)).expect(200);
    const { rows } = await svc.running.infrastructure.pool.query(`SELECT opted_out FROM ${svc.schema}.phone_opt_outs WHERE phone_index = $1`, [indexOf(phone)]);
    expect(rows).toEqual([{ opted_out: true }]);
  });

  it('other messages are acknowledged and change nothing', async () => {
    await expectNothingAppended(svc, async () => {
      await svc.http().post('/webhooks/sms').type('form').send(twilioForm('+4915133333333', 'please stop sending me mugs')).expect(200);
      await svc.http().post('/webhooks/sms').type('form').send(twilioForm('+4915133333333', '')).expect(200);
    });
  });

  describe('refuses bad input with a 400 problem and records nothing', () => {
    it.each([
      ['no From', { Body: 'STOP' }, ['From']],
      ['From not E.164', { From: '015123456789', Body: 'STOP' }, ['From']],
      ['no Body', { From: '+4915123456789' }, ['Body']],
      ['nothing', {}, ['From', 'Body']],
    ])('%s', async (_name, form, fields) => {
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().post('/webhooks/sms').type('form').send(form), 400, fields);
      });
    });

    it('XML → 415', async () => {
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().post('/webhooks/sms').set('content-type', 'application/xml').send('<sms/>'), 415);
      });
    });
  });
});

describe('POST /webhooks/sms with SMS_WEBHOOK_AUTH_TOKEN (Twilio signatures), in production mode', () => {
  let svc: NotificationsTestService;
  const token = 'twilio-auth-token-123';

  beforeAll(async () => {
    svc = await startNotificationsTestService({
      SMS_WEBHOOK_AUTH_TOKEN: token,
      PUBLIC_BASE_URL: 'https://notify.example.com',
      STOCKFLOW_ENV: 'production',
      UNSUBSCRIBE_SECRET: 'a-secret-of-this-deployment-only',
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const sign = (params: Record<string, string>): string =>
    createHmac('sha1', token)
      .update(`https://notify.example.com/webhooks/sms${Object.keys(params).sort().map((k) => `${k}${params[k]}`).join('')}`)
      .digest('base64');

  it('accepts a correctly signed request', async () => {
    const form = { From: '+4915144444444', Body: 'STOP', To: '+15005550006' };
    await svc.http().post('/webhooks/sms').type('form').set('X-Twilio-Signature', sign(form)).send(form).expect(200);
  });

  it('403 for a missing or wrong signature, recording nothing', async () => {
    const form = { From: '+4915155555555', Body: 'STOP' };
    await expectNothingAppended(svc, async () => {
      expectProblem(await svc.http().post('/webhooks/sms').type('form').send(form), 403);
      expectProblem(await svc.http().post('/webhooks/sms').type('form').set('X-Twilio-Signature', sign({ ...form, Body: 'START' })).send(form), 403);
    });
  });
});

describe('safe by default: outside development (ADR 0027)', () => {
  let svc: NotificationsTestService;

  beforeAll(async () => {
    // No STOCKFLOW_ENV says production; no SMS_WEBHOOK_AUTH_TOKEN.
    svc = await startNotificationsTestService({ STOCKFLOW_ENV: undefined, UNSUBSCRIBE_SECRET: 'a-secret-of-this-deployment-only' });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('the webhook refuses unsigned requests when no token is configured: no one can STOP or START a number', async () => {
    await expectNothingAppended(svc, async () => {
      for (const body of ['STOP', 'START']) {
        const response = await svc.http().post('/webhooks/sms').type('form').send({ From: '+4915166666666', Body: body });
        expectProblem(response, 403);
        expect(response.body.detail).toContain('SMS_WEBHOOK_AUTH_TOKEN');
      }
    });
  });

  it.each([
    ['STOCKFLOW_ENV unset', {}],
    ['STOCKFLOW_ENV=production', { STOCKFLOW_ENV: 'production' as const }],
    ['STOCKFLOW_ENV=test', { STOCKFLOW_ENV: 'test' as const }],
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
  ])('the service refuses to start with the development unsubscribe secret (%s), naming the variable, not the value', async (_name, mode) => {
    const started = startNotificationsTestService({ STOCKFLOW_ENV: undefined, UNSUBSCRIBE_SECRET: DEV_UNSUBSCRIBE_SECRET, ...mode });
    await expect(started).rejects.toThrow(/UNSUBSCRIBE_SECRET must be a secret of your own outside development .*\(value hidden\)/);
    await started.catch((error: Error) => expect(error.message).not.toContain(DEV_UNSUBSCRIBE_SECRET));
  });

  it('development mode (STOCKFLOW_ENV, or NODE_ENV when it is unset) allows it', async () => {
    const dev = await startNotificationsTestService({ STOCKFLOW_ENV: undefined, NODE_ENV: 'development', UNSUBSCRIBE_SECRET: DEV_UNSUBSCRIBE_SECRET });
    await dev.stop();
  });
});
