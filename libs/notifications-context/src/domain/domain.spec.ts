import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decideKeyword, keywordOf } from './phone.js';
import { isPhoneIndex, phoneIndexKey, phoneIndexOf, phoneIndexOfEvent } from './phone-index.js';
import { decideEmailUnsubscribe, decideMarkRead, decideSetPreferences, evolvePreferences, type Preferences } from './preferences.js';
import { canonicalTimeZone, isClockTime, isE164 } from './rules.js';
import { decideCancel, decideFulfil, decideSubscribe, evolveSubscription, subscriptionDecider } from './subscription.js';
import { decideWave, waveSlices } from './wave-planning.js';

const prefs: Preferences = {
  email: 'a@b.co',
  phone: '+4915123456789',
  locale: 'en',
  timeZone: 'UTC',
  channels: { email: true, sms: false, web: true },
  quietHours: null,
};

describe('notifications domain', () => {
  it('records preferences only when they change', () => {
    expect(decideSetPreferences('c', null, prefs)).toHaveLength(1);
    expect(decideSetPreferences('c', prefs, { ...prefs, channels: { ...prefs.channels } })).toEqual([]);
    expect(decideSetPreferences('c', prefs, { ...prefs, quietHours: { start: '22:00', end: '06:00' } })).toHaveLength(1);
  });

  it('an email unsubscribe turns email off for the current address only, once', () => {
    const [event] = decideEmailUnsubscribe('c', prefs, 'A@B.CO');
    expect(event).toEqual({ type: 'EmailUnsubscribed', data: { customerId: 'c', email: 'a@b.co' } });
    const after = evolvePreferences(prefs, event!)!;
    expect(after.channels).toEqual({ email: false, sms: false, web: true });
    expect(decideEmailUnsubscribe('c', after, 'a@b.co')).toEqual([]);
    expect(decideEmailUnsubscribe('c', prefs, 'old@b.co')).toEqual([]);
    expect(decideEmailUnsubscribe('c', null, 'a@b.co')).toEqual([]);
  });

  it('marks a notification read once, and only the customer’s own', () => {
    expect(decideMarkRead('c', { customerId: 'c', read: false }, 1)).toHaveLength(1);
    expect(decideMarkRead('c', { customerId: 'c', read: true }, 1)).toEqual([]);
    expect(() => decideMarkRead('c', { customerId: 'd', read: false }, 1)).toThrow(/no notification/);
  });

  it('subscriptions: one active twin, cancel once, fulfilled ones cannot be cancelled', () => {
    const created = decideSubscribe({ id: 'i', customerId: 'c', sku: 'S', kind: 'back-in-stock' }, null);
    expect(() => decideSubscribe({ id: 'j', customerId: 'c', sku: 'S', kind: 'back-in-stock' }, { id: 'i' })).toThrow(/already/);
    const state = evolveSubscription(null, created[0]!)!;
    const cancelled = decideCancel(state, 'i', 'customer');
    expect(cancelled).toHaveLength(1);
    expect(decideCancel(evolveSubscription(state, cancelled[0]!), 'i', 'customer')).toEqual([]);
    expect(() => decideCancel({ ...state, status: 'fulfilled' }, 'i', 'customer')).toThrow(/fulfilled/);
    expect(() => decideCancel(null, 'i', 'customer')).toThrow(/no subscription/);
  });

  it('fulfilment: an active back-in-stock subscription is fulfilled once, with its channels', () => {
    const state = evolveSubscription(null, decideSubscribe({ id: 'i', customerId: 'c', sku: 'S', kind: 'back-in-stock' }, null)[0]!)!;
    const command = { type: 'FulfilSubscription', subscriptionId: 'i', restockEventId: 'r', channels: ['email', 'web'] } as const;
    const [event] = subscriptionDecider.decide(command, state);
    expect(event).toEqual({ type: 'SubscriptionFulfilled', data: { subscriptionId: 'i', customerId: 'c', sku: 'S', restockEventId: 'r', channels: ['email', 'web'] } });
    const fulfilled = subscriptionDecider.evolve(state, event!);
    expect(fulfilled?.status).toBe('fulfilled');
    expect(() => decideFulfil(fulfilled, command)).toThrow(/cannot fulfil/);
    expect(() => decideFulfil({ ...state, kind: 'availability' }, command)).toThrow(/cannot fulfil/);
    expect(() => decideFulfil(null, command)).toThrow(/no subscription/);
    expect(subscriptionDecider.initialState()).toBeNull();
  });

  it('fair waves: sized to the stock now less live offers; out of stock closes; all held defers', () => {
    const base = { availableNow: 10, restockAvailable: 4, held: 0, lastWave: 0, waveSize: 3 };
    expect(decideWave(base)).toEqual({ kind: 'pick', wave: 1, room: 10, firstSlice: 3 });
    expect(decideWave({ ...base, availableNow: null })).toEqual({ kind: 'pick', wave: 1, room: 4, firstSlice: 3 });
    expect(decideWave({ ...base, availableNow: 0 })).toEqual({ kind: 'close', reason: 'no stock left' });
    expect(decideWave({ ...base, held: 10, lastWave: 2 })).toEqual({ kind: 'defer', wave: 3, reason: 'every unit is held by a live offer' });
    expect(waveSlices(10, 3, 2)).toEqual([3, 3]);
    expect(waveSlices(7, 3, 4)).toEqual([3, 3, 1]);
  });

  it('SMS keywords: the whole message, trimmed, any case; the phone aggregate knows the number by its blind index', () => {
    expect(keywordOf('  stop. ')).toBe('STOP');
    const index = phoneIndexOf(phoneIndexKey('a-secret-of-our-own'), '+4915123456789');
    expect(decideKeyword(false, index, 'STOP')).toEqual([{ type: 'SmsOptedOut', data: { phone: index, keyword: 'STOP' } }]);
    expect(decideKeyword(true, index, 'QUIT')).toEqual([]);
    expect(decideKeyword(true, index, 'UNSTOP')).toEqual([{ type: 'SmsOptedIn', data: { phone: index, keyword: 'UNSTOP' } }]);
    expect(decideKeyword(false, index, 'PLEASE STOP')).toEqual([]);
  });

  it('phone blind index: keyed, stable, never the number; v1 events (the number in clear) index the same', () => {
    const key = phoneIndexKey('a-secret-of-our-own');
    const index = phoneIndexOf(key, '+4915123456789');
    expect(index).toMatch(/^phx1\.[A-Za-z0-9_-]{43}$/);
    expect(isPhoneIndex(index)).toBe(true);
    expect(index).not.toContain('4915123456789');
    expect(phoneIndexOf(key, '+4915123456789')).toBe(index);
    expect(phoneIndexOf(key, '+4915123456780')).not.toBe(index);
    expect(phoneIndexOf(phoneIndexKey('another-secret'), '+4915123456789')).not.toBe(index);
    expect(phoneIndexOfEvent(key, '+4915123456789')).toBe(index);
    expect(phoneIndexOfEvent(key, index)).toBe(index);
  });

  it('value rules: E.164, HH:MM, IANA zones through Intl', () => {
    expect(isE164('+4915123456789')).toBe(true);
    expect(isE164('+49 151')).toBe(false);
    expect(isClockTime('23:59')).toBe(true);
    expect(isClockTime('24:00')).toBe(false);
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('Nowhere/Land')).toBeNull();
    expect(canonicalTimeZone('+01:00')).toBeNull();
  });

  it('domain code imports no framework or driver', () => {
    const dir = resolve(process.cwd(), 'src/domain');
    expect(readdirSync(dir).filter((f) => !f.endsWith('.spec.ts')).length).toBeGreaterThan(5);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) {
      const source = readFileSync(resolve(dir, file), 'utf8');
      expect({ file, imports: source.match(/from '(@nestjs|@nats-io|pg|fastify)[^']*'/g) ?? [] }).toEqual({ file, imports: [] });
    }
  });
});
