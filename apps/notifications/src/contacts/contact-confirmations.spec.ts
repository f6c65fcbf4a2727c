// Contact confirmation (ADR 0028) on the real service: setting an email address or phone number asks its
// owner to confirm it with a six-digit code; only the code's keyed hash is in the log; wrong codes are
// counted and the fifth locks; setting the preferences again sends a new code; the right code confirms.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { quoteSchema } from '@stockflow/postgres';
import { expectProblem } from '@stockflow/testing';
import { startNotificationsTestService, type NotificationsTestService } from '../testing/notifications-test-service.js';

const ada = { email: 'Ada@Example.com', phone: '+4915123456789', locale: 'en', timeZone: 'UTC', channels: { email: true, sms: true, web: true } };

describe('POST /customers/:id/contacts/:channel/confirm', () => {
  let svc: NotificationsTestService;
  const confirm = (customer: string, channel: string, code: string) => svc.http().post(`/customers/${customer}/contacts/${channel}/confirm`).send({ code });

  /** The code on its way to the notifier: the one place it exists. */
  async function codeOf(customer: string, channel: 'email' | 'sms'): Promise<string> {
    const { rows } = await svc.running.infrastructure.pool.query<{ code: string }>(
      `SELECT code FROM ${quoteSchema(svc.schema)}.contact_confirmations WHERE customer_id = $1 AND channel = $2 AND NOT finished`,
      [customer, channel],
    );
    return rows[0]!.code;
  }
  const wrong = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  beforeAll(async () => {
    svc = await startNotificationsTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('asks for each enabled contact once, keeps only a keyed hash in the log, and confirms with the right code', async () => {
    await svc.http().put('/customers/ada/preferences').send(ada).expect(200);
    const emailCode = await codeOf('ada', 'email');
    expect(emailCode).toMatch(/^\d{6}$/);
    const { events } = await svc.running.infrastructure.store.readStream('customer-ada');
    const requested = events.filter((e) => e.type === 'ContactConfirmationRequested');
    expect(requested.map((e) => (e.data as { channel: string }).channel)).toEqual(['email', 'sms']);
    // Neither code is in any event; the hash needs the service's key.
    for (const e of events) expect(JSON.stringify(e.data)).not.toContain(`"${emailCode}"`);

    // The same preferences again: a live code is on its way, nothing new is sent.
    await svc.http().put('/customers/ada/preferences').send(ada).expect(200);
    expect(await codeOf('ada', 'email')).toBe(emailCode);

    await confirm('ada', 'email', emailCode).expect(204);
    const view = await svc.http().get('/customers/ada/preferences').expect(200);
    expect(view.body.confirmed).toEqual({ email: true, sms: false });
    await confirm('ada', 'email', emailCode).expect(204); // already confirmed: nothing to do
    await confirm('ada', 'sms', await codeOf('ada', 'sms')).expect(204);
    expect((await svc.http().get('/customers/ada/preferences').expect(200)).body.confirmed).toEqual({ email: true, sms: true });
  });

  it('a new address must be confirmed again; the old confirmation does not carry over', async () => {
    await svc.http().put('/customers/ada/preferences').send({ ...ada, email: 'ada.new@example.com' }).expect(200);
    expect((await svc.http().get('/customers/ada/preferences').expect(200)).body.confirmed).toEqual({ email: false, sms: true });
    await confirm('ada', 'email', await codeOf('ada', 'email')).expect(204);
    expect((await svc.http().get('/customers/ada/preferences').expect(200)).body.confirmed).toEqual({ email: true, sms: true });
  });

  it('counts wrong codes (422 with the attempts left), locks at the fifth (409), and sends a new code when the preferences are set again', async () => {
    await svc.http().put('/customers/bo/preferences').send({ ...ada, channels: { email: true, sms: false, web: false } }).expect(200);
    const code = await codeOf('bo', 'email');
    for (let attempt = 1; attempt <= 5; attempt++) {
      const answer = await confirm('bo', 'email', wrong(code));
      expectProblem(answer, 422);
      expect(answer.body).toMatchObject({ code: 'confirmation-code-wrong', detail: expect.stringContaining(attempt < 5 ? `${5 - attempt} attempt(s) left` : 'no attempts left') });
    }
    const locked = await confirm('bo', 'email', code);
    expectProblem(locked, 409);
    expect(locked.body).toMatchObject({ code: 'confirmation-locked' });
    const { events } = await svc.running.infrastructure.store.readStream('customer-bo');
    expect(events.filter((e) => e.type === 'ContactConfirmationFailed')).toHaveLength(5);

    await svc.http().put('/customers/bo/preferences').send({ ...ada, channels: { email: true, sms: false, web: false } }).expect(200);
    const fresh = await codeOf('bo', 'email');
    await confirm('bo', 'email', fresh).expect(204);
  });

  it('404 with nothing pending, 400 for a malformed code or channel', async () => {
    expectProblem(await confirm('nobody', 'email', '123456'), 404);
    expectProblem(await confirm('ada', 'fax', '123456'), 400);
    expectProblem(await confirm('ada', 'email', '12345'), 400);
    expectProblem(await confirm('ada', 'email', 'abcdef'), 400);
  });
});
