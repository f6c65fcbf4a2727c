import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createServiceLogger } from './logger.js';
import { scrubPersonalData } from './redaction.js';

const EMAIL = 'gil.person+alerts@example.co.uk';
const PHONE = '+4915123456789';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjdXN0b21lci00MiJ9.c2lnbmF0dXJlLXBhcnQ';
const UNSUBSCRIBE = 'v1.eyJjIjoiZ2lsIiwiZSI6ImdpbEBleGFtcGxlLmNvbSJ9.Zm9vYmFyYmF6cXV4cXV1eA';

function capture(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, destination };
}

describe('personal data in logs', () => {
  it('scrubs addresses, phone numbers and tokens inside any text', () => {
    const text = `mail to ${EMAIL} and ${encodeURIComponent(EMAIL)}; sms to ${PHONE} (%2B4915123456789, 004915123456789); ` +
      `GET /unsubscribe?token=${UNSUBSCRIBE}&x=1; Authorization: Bearer ${JWT}; link ${UNSUBSCRIBE}; /stream?ticket=abc.def`;
    const scrubbed = scrubPersonalData(text);
    for (const secret of [EMAIL, encodeURIComponent(EMAIL), PHONE, '4915123456789', JWT, UNSUBSCRIBE, 'abc.def', 'example.co.uk']) expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain('mail to [email]');
    expect(scrubbed).toContain('sms to [phone]');
    expect(scrubbed).toContain('token=[redacted]&x=1');
    expect(scrubbed).toContain('Bearer [redacted]');
  });

  it('leaves ordinary text, ids, numbers and timestamps alone', () => {
    const text = 'order 3f0c1c9e-8a4b-4a36-9a8e-2f2f4f7e9b10 of customer-42: 12 units of SKU-1 at 2030-01-01T01:00:30+01:00, position 1234567890';
    expect(scrubPersonalData(text)).toBe(text);
  });

  it('the service logger censors contact fields by key and scrubs messages, errors and URLs by value; lines stay JSON', () => {
    const { lines, destination } = capture();
    const logger = createServiceLogger({ service: 'redaction', destination });
    logger.info({ email: 'someone@example.org', phone: '+441234567890', customer: { email: 'x@example.org', contact: { phone: '+33123456789' } } }, 'preferences set');
    logger.info({ req: { method: 'GET', url: `/unsubscribe?token=${UNSUBSCRIBE}`, headers: { authorization: `Bearer ${JWT}`, cookie: 'sid=1' } } }, 'request completed');
    logger.warn({ err: new Error(`SMTP refused ${EMAIL}: mailbox full`) }, `delivery to ${PHONE} failed`);
    logger.child({ token: 'abcdef' }).info({ params: [EMAIL, PHONE] }, 'query');
    const text = lines.join('\n');
    for (const secret of ['someone@example.org', '+441234567890', 'x@example.org', '+33123456789', UNSUBSCRIBE, JWT, 'sid=1', EMAIL, PHONE, 'abcdef']) {
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    }
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ email: '[redacted]', phone: '[redacted]', customer: { email: '[redacted]', contact: { phone: '[redacted]' } }, msg: 'preferences set' });
    expect(parsed[1]).toMatchObject({ req: { url: '/unsubscribe?token=[redacted]', headers: { authorization: '[redacted]' } } });
    expect(parsed[2]).toMatchObject({ msg: 'delivery to [phone] failed', err: { message: 'SMTP refused [email]: mailbox full' } });
  });
});
