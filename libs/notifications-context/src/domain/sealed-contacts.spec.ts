import { describe, expect, it } from '@jest/globals';
import { newContactKey } from './contact-cipher.js';
import { openCustomerEventData, sealCustomerEvent, sealedFromString } from './sealed-contacts.js';

describe('sealed contact fields of customer events (ADR 0029)', () => {
  const key = newContactKey();
  const set = { type: 'NotificationPreferencesSet', data: { customerId: 'ada', email: 'ada@example.com', phone: '+4915100000001', locale: 'en' } };

  it('seals exactly the contact fields, in a form the v2 schema accepts, and opens them again', () => {
    const sealed = sealCustomerEvent(set, key, 'customer-ada');
    const text = JSON.stringify(sealed);
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('+4915100000001');
    expect(sealed.data.locale).toBe('en');
    expect(sealed.data.email).toMatch(/^A256GCM\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/);
    expect(openCustomerEventData(set.type, sealed.data, key, 'customer-ada')).toEqual(set.data);
  });

  it('reads as no contact once the key is gone; a v1 event in clear reads as it is; other events are untouched', () => {
    const sealed = sealCustomerEvent(set, key, 'customer-ada');
    expect(openCustomerEventData(set.type, sealed.data, null, 'customer-ada')).toMatchObject({ email: null, phone: null, locale: 'en' });
    expect(openCustomerEventData(set.type, set.data, null, 'customer-ada')).toEqual(set.data);
    const read = { type: 'InboxNotificationRead', data: { customerId: 'ada', notificationId: 3 } };
    expect(sealCustomerEvent(read, key, 'customer-ada')).toBe(read);
  });

  it('refuses a sealed value moved to another customer, and never mistakes an address for a sealed value', () => {
    const sealed = sealCustomerEvent(set, key, 'customer-ada');
    expect(() => openCustomerEventData(set.type, sealed.data, key, 'customer-bob')).toThrow();
    expect(sealedFromString('A256GCM.a.b@c.d')).toBeNull();
    expect(sealedFromString('+4915100000001')).toBeNull();
  });
});
