// Whom the notifier can reach, and where: the customer's choices and the number's opt-out state.
import type { QuietHours } from './preferences.js';

/** The channels of the context. */
export type ChannelName = 'email' | 'sms' | 'web';
export const CHANNELS: readonly ChannelName[] = ['email', 'sms', 'web'];

/** What the notifier knows of a customer (the `customers` and `phone_opt_outs` read models). */
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
  /** The email address was confirmed by its owner (ADR 0028); unconfirmed addresses get nothing. */
  readonly emailConfirmed: boolean;
  /** The phone number was confirmed by its owner. */
  readonly phoneConfirmed: boolean;
}

/** The address a channel would use now, or null when the customer does not want (or cannot get) it. */
export function recipientFor(channel: ChannelName, contact: Contact): string | null {
  switch (channel) {
    case 'email':
      return contact.emailEnabled && contact.email && contact.emailConfirmed ? contact.email : null;
    case 'sms':
      return contact.smsEnabled && contact.phone && contact.phoneConfirmed && !contact.smsOptedOut ? contact.phone : null;
    case 'web':
      return contact.webEnabled ? 'inbox' : null;
  }
}

/** The channels to plan for a customer: those they chose and can be reached on. */
export function chosenChannels(contact: Contact): ChannelName[] {
  return CHANNELS.filter((channel) => recipientFor(channel, contact) !== null);
}
