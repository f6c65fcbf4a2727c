import { describe, expect, it } from '@jest/globals';
import { parseSmsProviders } from '../notifier-config.js';
import { renderEmail, renderSms, renderWeb, templateLocale } from '../templates/templates.js';
import { retryDelayMs } from './backoff.js';
import { TokenBucket } from './token-bucket.js';

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
