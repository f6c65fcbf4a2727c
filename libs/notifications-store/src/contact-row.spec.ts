import { describe, expect, it } from '@jest/globals';
import { chosenChannels } from '@stockflow/notifications-context';
import { contactOf } from './contact-row.js';

describe('routing', () => {
  const row = { preferences_set: true, email: 'a@b.co', phone: '+4915100000000', locale: 'de', time_zone: 'UTC', quiet_start: null, quiet_end: null, email_enabled: true, sms_enabled: true, web_enabled: false, sms_opted_out: false, email_confirmed: true, phone_confirmed: true };

  it('plans the channels the customer chose and can be reached on', () => {
    expect(chosenChannels(contactOf(row))).toEqual(['email', 'sms']);
    expect(chosenChannels(contactOf({ ...row, sms_opted_out: true }))).toEqual(['email']);
    expect(chosenChannels(contactOf({ ...row, email: null }))).toEqual(['sms']);
    // An address or number its owner has not confirmed gets nothing (ADR 0028).
    expect(chosenChannels(contactOf({ ...row, email_confirmed: false }))).toEqual(['sms']);
    expect(chosenChannels(contactOf({ ...row, phone_confirmed: null }))).toEqual(['email']);
    // No preferences: the web inbox only.
    expect(chosenChannels(contactOf({ ...row, preferences_set: null }))).toEqual(['web']);
  });
});
