// The right to erasure (ADR 0029) on the real service and PostgreSQL: contact details never reach the log
// in clear; after DELETE /customers/:id none is in a read model, none can be read from the log (the key
// is gone), and a rebuild of the read models from the log brings none back. Another customer is untouched.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openEventStore } from '@stockflow/platform';
import { dropSchema, quoteSchema, uniqueSchemaName } from '@stockflow/postgres';
import { phoneIndexKey } from '@stockflow/notifications-context';
import { rebuildNotificationsReadModels } from '@stockflow/notifications-store';
import { expectNothingAppended, expectProblem } from '@stockflow/testing';
import { DEV_UNSUBSCRIBE_SECRET } from '../notifications-config.js';
import { startNotificationsTestService, type NotificationsTestService } from '../testing/notifications-test-service.js';

const ada = { email: 'ada.erase@example.com', phone: '+4915100000042', locale: 'en', timeZone: 'UTC', channels: { email: true, sms: true, web: true } };
const bea = { email: 'bea.stays@example.com', phone: '+4915100000043', locale: 'en', timeZone: 'UTC', channels: { email: true, sms: true, web: true } };

describe('DELETE /customers/:id (right to erasure)', () => {
  let svc: NotificationsTestService;
  const rebuilt = uniqueSchemaName('t_erase_rebuilt');

  /** Every byte the log holds for a customer's stream, as text. */
  async function logOf(customerId: string): Promise<string> {
    const { rows } = await svc.running.infrastructure.pool.query<{ raw: string }>(`SELECT string_agg(e::text, ' ') AS raw FROM ${quoteSchema(svc.schema)}.events e WHERE stream_id = $1`, [
      `customer-${customerId}`,
    ]);
    return rows[0]?.raw ?? '';
  }
  const everywhere = async (table: string): Promise<string> => {
    const { rows } = await svc.running.infrastructure.pool.query<{ raw: string | null }>(`SELECT string_agg(t::text, ' ') AS raw FROM ${quoteSchema(svc.schema)}.${table} t`);
    return rows[0]?.raw ?? '';
  };

  beforeAll(async () => {
    svc = await startNotificationsTestService();
  });
  afterAll(async () => {
    await dropSchema(svc.running.infrastructure.pool, rebuilt).catch(() => undefined);
    await svc?.stop();
  });

  it('keeps contact details out of the log from the start, and erases them from the read models and the log', async () => {
    await svc.http().put('/customers/ada/preferences').send(ada).expect(200);
    await svc.http().put('/customers/bea/preferences').send(bea).expect(200);
    const sealed = await logOf('ada');
    expect(sealed).toContain('A256GCM.');
    expect(sealed).not.toContain(ada.email);
    expect(sealed).not.toContain(ada.phone);
    // Ada's number replies STOP: the opt-out belongs to the number and outlives her erasure, but names it by its blind index only.
    await svc.http().post('/webhooks/sms').type('form').send({ From: ada.phone, Body: 'STOP', To: '+15005550006', MessageSid: 'SM1', AccountSid: 'AC1' }).expect(200);

    await svc.http().delete('/customers/ada').expect(204);

    const { rows: wholeLog } = await svc.running.infrastructure.pool.query<{ raw: string }>(`SELECT string_agg(e::text, ' ') AS raw FROM ${quoteSchema(svc.schema)}.events e`);
    expect([wholeLog[0]!.raw.includes(ada.email), wholeLog[0]!.raw.includes(ada.phone)]).toEqual([false, false]);
    expect(await everywhere('phone_opt_outs')).not.toContain(ada.phone);
    expect(await everywhere('phone_opt_outs')).toContain('phx1.');

    const view = await svc.http().get('/customers/ada/preferences').expect(200);
    expect(view.body).toMatchObject({ email: null, phone: null, channels: { email: false, sms: false, web: true }, confirmed: { email: false, sms: false } });
    for (const table of ['customers', 'contact_confirmations', 'customer_keys']) {
      const text = await everywhere(table);
      expect([table, text.includes(ada.email), text.includes(ada.phone)]).toEqual([table, false, false]);
    }
    const { rows: keys } = await svc.running.infrastructure.pool.query(`SELECT 1 FROM ${quoteSchema(svc.schema)}.customer_keys WHERE customer_id = 'ada'`);
    expect(keys).toEqual([]);
    const { events } = await svc.running.infrastructure.store.readStream('customer-ada');
    expect(events[events.length - 1]).toMatchObject({ type: 'CustomerDataErased', data: { customerId: 'ada' } });

    // A rebuild from the log brings nothing back; Bea keeps hers.
    const log = await openEventStore({ pool: svc.running.infrastructure.pool, schema: svc.schema });
    await rebuildNotificationsReadModels(log, svc.running.infrastructure.pool, rebuilt, { keysSchema: svc.schema, phoneIndexKey: phoneIndexKey(DEV_UNSUBSCRIBE_SECRET) });
    const { rows } = await svc.running.infrastructure.pool.query<{ customer_id: string; email: string | null; phone: string | null }>(
      `SELECT customer_id, email, phone FROM ${quoteSchema(rebuilt)}.customers WHERE customer_id IN ('ada', 'bea') ORDER BY customer_id`,
    );
    expect(rows).toEqual([
      { customer_id: 'ada', email: null, phone: null },
      { customer_id: 'bea', email: bea.email, phone: bea.phone },
    ]);
    expect((await svc.http().get('/customers/bea/preferences').expect(200)).body).toMatchObject({ email: bea.email, phone: bea.phone });
  });

  it('erasing again, or a customer with nothing to erase, records nothing; a new PUT starts over with a new key', async () => {
    await expectNothingAppended(svc, async () => {
      await svc.http().delete('/customers/ada').expect(204);
      await svc.http().delete('/customers/nobody').expect(204);
    });
    await svc.http().put('/customers/ada/preferences').send(ada).expect(200);
    // The number's STOP from before the erasure still holds.
    expect((await svc.http().get('/customers/ada/preferences').expect(200)).body).toMatchObject({ email: ada.email, smsOptedOut: true });
    expect(await logOf('ada')).not.toContain(ada.email);
    // A rebuild now: what was sealed under the erased key reads as none, what came after under the new key as it is.
    const again = `${rebuilt}_again`;
    try {
      const log = await openEventStore({ pool: svc.running.infrastructure.pool, schema: svc.schema });
      await rebuildNotificationsReadModels(log, svc.running.infrastructure.pool, again, { keysSchema: svc.schema, phoneIndexKey: phoneIndexKey(DEV_UNSUBSCRIBE_SECRET) });
      const { rows } = await svc.running.infrastructure.pool.query<{ email: string | null }>(`SELECT email FROM ${quoteSchema(again)}.customers WHERE customer_id = 'ada'`);
      expect(rows).toEqual([{ email: ada.email }]);
    } finally {
      await dropSchema(svc.running.infrastructure.pool, again);
    }
  });

  it('refuses a malformed id with 400', async () => {
    expectProblem(await svc.http().delete('/customers/a%00b'), 400);
  });
});
