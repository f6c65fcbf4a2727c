import { describe, expect, it } from '@jest/globals';
import { parseSmsProviders } from '../notifier-config.js';
import { renderEmail, renderSms, renderWeb, templateLocale } from '../templates/templates.js';
import { retryDelayMs } from './backoff.js';
import { inQuietHours, releaseTime } from './quiet-hours.js';
import { chosenChannels, contactOf } from './routing.js';
import { TokenBucket } from './token-bucket.js';

describe('quiet hours', () => {
  const night = { start: '22:00', end: '07:00' };

  it('holds inside an overnight window until its end in the customer’s zone', () => {
    // 23:30 in Berlin (CET, UTC+1) on 2025-01-15 → released at 07:00 Berlin = 06:00Z next day.
    const at = new Date('2025-01-15T22:30:00Z');
    expect(inQuietHours(at, 'Europe/Berlin', night)).toBe(true);
    expect(releaseTime(at, 'Europe/Berlin', night).toISOString()).toBe('2025-01-16T06:00:00.000Z');
    // 06:59:30 local → released 30 s later.
    expect(releaseTime(new Date('2025-01-16T05:59:30Z'), 'Europe/Berlin', night).toISOString()).toBe('2025-01-16T06:00:00.000Z');
  });

  it('lets everything through outside the window, and without one', () => {
    const noon = new Date('2025-01-15T11:00:00Z');
    expect(releaseTime(noon, 'Europe/Berlin', night)).toEqual(noon);
    expect(releaseTime(noon, 'Europe/Berlin', null)).toEqual(noon);
    expect(inQuietHours(new Date('2025-01-15T06:00:00Z'), 'Europe/Berlin', night)).toBe(false); // 07:00 exactly: open
  });

  it('daytime windows (start < end) too', () => {
    const at = new Date('2025-06-01T12:15:00Z'); // 08:15 in New York (EDT)
    expect(releaseTime(at, 'America/New_York', { start: '08:00', end: '09:30' }).toISOString()).toBe('2025-06-01T13:30:00.000Z');
  });

  it('across a daylight-saving switch the window still ends at local wall time', () => {
    // Night of 29→30 March 2025 in Berlin: clocks jump 02:00 → 03:00. 23:00 CET = 22:00Z; 07:00 CEST = 05:00Z.
    expect(releaseTime(new Date('2025-03-29T22:00:00Z'), 'Europe/Berlin', night).toISOString()).toBe('2025-03-30T05:00:00.000Z');
    // A window ending inside the skipped hour (02:30) is released just after the gap.
    const release = releaseTime(new Date('2025-03-30T00:10:00Z'), 'Europe/Berlin', { start: '01:00', end: '02:30' });
    expect(release.toISOString()).toBe('2025-03-30T01:00:00.000Z');
  });
});

describe('retry backoff', () => {
  it('doubles from the base, with jitter in the upper half, capped, at least Retry-After', () => {
    expect(retryDelayMs(1, 500, 60_000, () => 0)).toBe(250);
    expect(retryDelayMs(1, 500, 60_000, () => 1)).toBe(500);
    expect(retryDelayMs(4, 500, 60_000, () => 0.5)).toBe(3000);
    expect(retryDelayMs(30, 500, 60_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(1, 500, 60_000, () => 0, 5_000)).toBe(5_000);
  });
});

describe('token bucket', () => {
  it('never exceeds the rate after the burst', async () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    now += 100;
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('take() waits its turn', async () => {
    const bucket = new TokenBucket(50, 1);
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => bucket.take()));
    expect(performance.now() - started).toBeGreaterThanOrEqual(90); // 5 waits of 20 ms
  });
});

describe('templates', () => {
  const vars = { kind: 'back-in-stock' as const, productName: 'Mug <b>', sku: 'MUG', available: 1, link: 'https://shop.example/MUG' };

  it('per locale, with the product, the units and the link; unknown locales fall back to English', () => {
    expect(templateLocale('de-AT')).toBe('de');
    expect(templateLocale('fr')).toBe('en');
    const email = renderEmail('en', vars, 'https://x/unsubscribe?token=t');
    expect(email.subject).toBe('Mug <b> is back in stock');
    expect(email.text).toContain('1 unit available');
    expect(email.html).toContain('Mug &#60;b&#62;');
    expect(email.html).toContain('https://x/unsubscribe?token=t');
    expect(renderSms('de', vars)).toBe('Mug <b> ist wieder da. 1 Stück verfügbar – wer zuerst kommt, mahlt zuerst. https://shop.example/MUG STOP = Abmelden');
    expect(renderWeb('en', { ...vars, kind: 'low-stock', available: 2 })).toEqual({ title: 'Mug <b> is running low', body: '2 units available.' });
    expect(renderWeb('de', { ...vars, kind: 'out-of-stock' }).title).toBe('Mug <b> ist ausverkauft');
  });
});

describe('routing', () => {
  const row = { preferences_set: true, email: 'a@b.co', phone: '+4915100000000', locale: 'de', time_zone: 'UTC', quiet_start: null, quiet_end: null, email_enabled: true, sms_enabled: true, web_enabled: false, sms_opted_out: false };

  it('plans the channels the customer chose and can be reached on', () => {
    expect(chosenChannels(contactOf(row))).toEqual(['email', 'sms']);
    expect(chosenChannels(contactOf({ ...row, sms_opted_out: true }))).toEqual(['email']);
    expect(chosenChannels(contactOf({ ...row, email: null }))).toEqual(['sms']);
    // No preferences: the web inbox only.
    expect(chosenChannels(contactOf({ ...row, preferences_set: null }))).toEqual(['web']);
  });
});

describe('SMS_PROVIDERS', () => {
  it('parses a JSON list and refuses bad ones', () => {
    expect(parseSmsProviders('[{"name":"a","baseUrl":"http://x/","accountSid":"AC1","authToken":"t","from":"+1555"}]')).toEqual([
      { name: 'a', baseUrl: 'http://x', accountSid: 'AC1', authToken: 't', from: '+1555', ratePerSecond: 100 },
    ]);
    expect(parseSmsProviders('[]')).toBeNull();
    expect(parseSmsProviders('{')).toBeNull();
    expect(parseSmsProviders('[{"name":"a","baseUrl":"ftp://x","accountSid":"AC1","authToken":"t","from":"+1"}]')).toBeNull();
    expect(parseSmsProviders('[{"name":"a","baseUrl":"http://x","accountSid":"AC1","authToken":"t","from":"+1"},{"name":"a","baseUrl":"http://y","accountSid":"AC2","authToken":"t","from":"+1"}]')).toBeNull();
  });
});
