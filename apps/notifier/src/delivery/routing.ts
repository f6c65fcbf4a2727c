import type { ChannelName } from '../channels/channel.js';
import type { QuietHours } from './quiet-hours.js';

/** What the notifier reads of a customer (the `customers` and `phone_opt_outs` read models). */
export interface Contact {
  readonly preferencesSet: boolean;
  readonly email: string | null;
  readonly phone: string | null;
  readonly locale: string;
  readonly timeZone: string;
  readonly quietHours: QuietHours | null;
  readonly emailEnabled: boolean;
  readonly smsEnabled: boolean;
  readonly webEnabled: boolean;
  readonly smsOptedOut: boolean;
}

export interface ContactRow {
  preferences_set: boolean | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
  time_zone: string | null;
  quiet_start: string | null;
  quiet_end: string | null;
  email_enabled: boolean | null;
  sms_enabled: boolean | null;
  web_enabled: boolean | null;
  sms_opted_out: boolean | null;
}

/** A customer without preferences is told in the web inbox only, in English, at any hour. */
export function contactOf(row: ContactRow): Contact {
  const set = row.preferences_set === true;
  return {
    preferencesSet: set,
    email: set ? row.email : null,
    phone: set ? row.phone : null,
    locale: (set && row.locale) || 'en',
    timeZone: (set && row.time_zone) || 'UTC',
    quietHours: set && row.quiet_start && row.quiet_end ? { start: row.quiet_start, end: row.quiet_end } : null,
    emailEnabled: set && row.email_enabled === true,
    smsEnabled: set && row.sms_enabled === true,
    webEnabled: set ? row.web_enabled === true : true,
    smsOptedOut: row.sms_opted_out === true,
  };
}

/** The address a channel would use now, or null when the customer does not want (or cannot get) it. */
export function recipientFor(channel: ChannelName, contact: Contact): string | null {
  switch (channel) {
    case 'email':
      return contact.emailEnabled && contact.email ? contact.email : null;
    case 'sms':
      return contact.smsEnabled && contact.phone && !contact.smsOptedOut ? contact.phone : null;
    case 'web':
      return contact.webEnabled ? 'inbox' : null;
  }
}

/** The channels to plan for a customer: those they chose and can be reached on. */
export function chosenChannels(contact: Contact): ChannelName[] {
  return (['email', 'sms', 'web'] as const).filter((channel) => recipientFor(channel, contact) !== null);
}
