import { DEFAULT_DAILY_CAPS, dailyCapKey, dailyCapOf, mayBeSent, normalizedRecipient, recipientCapHash } from './daily-caps.js';

describe('daily caps per address and number', () => {
  const key = dailyCapKey('a secret of at least sixteen characters');

  it('caps email and SMS, not the web inbox', () => {
    expect(dailyCapOf('email', { email: 3, sms: 2 })).toBe(3);
    expect(dailyCapOf('sms', { email: 3, sms: 2 })).toBe(2);
    expect(dailyCapOf('web', DEFAULT_DAILY_CAPS)).toBeNull();
    expect(DEFAULT_DAILY_CAPS).toEqual({ email: 50, sms: 20 });
  });

  it('counts one address however it is spelt, and one number per channel', () => {
    expect(normalizedRecipient('email', ' Ann@Example.ORG ')).toBe('ann@example.org');
    expect(recipientCapHash(key, 'email', 'Ann@Example.org')).toBe(recipientCapHash(key, 'email', 'ann@example.org'));
    expect(recipientCapHash(key, 'email', 'ann@example.org')).not.toBe(recipientCapHash(key, 'email', 'bob@example.org'));
    expect(recipientCapHash(key, 'sms', '+4915100000001')).not.toBe(recipientCapHash(key, 'email', '+4915100000001'));
  });

  it('names a counter by a keyed hash that holds nothing of the address and differs per key', () => {
    const hash = recipientCapHash(key, 'sms', '+4915100000001');
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('4915100000001');
    expect(recipientCapHash(dailyCapKey('another secret of sixteen+ chars'), 'sms', '+4915100000001')).not.toBe(hash);
    expect(dailyCapKey('a secret of at least sixteen characters')).toEqual(key);
  });

  it('sends what was counted now or before, never what is capped', () => {
    expect(mayBeSent({ kind: 'counted', count: 1 })).toBe(true);
    expect(mayBeSent({ kind: 'already-counted' })).toBe(true);
    expect(mayBeSent({ kind: 'capped' })).toBe(false);
  });
});
