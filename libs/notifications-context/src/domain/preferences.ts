// The customer aggregate (stream `customer-<id>`): contact details, channel choices, quiet hours,
// one-click email unsubscribes and inbox read marks. Pure decisions on the current state.
import type { notificationCustomer } from '@stockflow/contracts';
import { DomainError } from '@stockflow/event-sourcing';

export type CustomerEvent = notificationCustomer.CustomerEvent;

export interface Channels {
  readonly email: boolean;
  readonly sms: boolean;
  readonly web: boolean;
}

export interface QuietHours {
  readonly start: string;
  readonly end: string;
}

export interface Preferences {
  readonly email: string | null;
  readonly phone: string | null;
  readonly locale: string;
  readonly timeZone: string;
  readonly channels: Channels;
  readonly quietHours: QuietHours | null;
}

export const DEFAULT_LOCALE = 'en';
export const DEFAULT_TIME_ZONE = 'UTC';

/** Without preferences a customer is told in the web inbox only: no address to mail or text. */
export const DEFAULT_CHANNELS: Channels = { email: false, sms: false, web: true };

export const CustomerErrors = {
  notFound: 'preferences-not-found',
  notificationNotFound: 'notification-not-found',
} as const;

/** Setting the same preferences again records nothing (PUT is idempotent). */
export function decideSetPreferences(customerId: string, current: Preferences | null, next: Preferences): CustomerEvent[] {
  if (current && samePreferences(current, next)) return [];
  return [{ type: 'NotificationPreferencesSet', data: { customerId, ...next, channels: { ...next.channels }, quietHours: next.quietHours && { ...next.quietHours } } }];
}

/**
 * A one-click unsubscribe for `email`: turns email off when it is the customer's current address and
 * still on. A link from an old address (changed since) or a second click records nothing.
 */
export function decideEmailUnsubscribe(customerId: string, current: Preferences | null, email: string): CustomerEvent[] {
  if (!current || current.email?.toLowerCase() !== email.toLowerCase() || !current.channels.email) return [];
  return [{ type: 'EmailUnsubscribed', data: { customerId, email: current.email } }];
}

export function evolvePreferences(current: Preferences | null, event: CustomerEvent): Preferences | null {
  switch (event.type) {
    case 'NotificationPreferencesSet': {
      const { customerId: _customerId, ...preferences } = event.data;
      return preferences;
    }
    case 'EmailUnsubscribed':
      return current && { ...current, channels: { ...current.channels, email: false } };
    case 'CustomerDataErased':
      // Erased: no address, no number, no channel that needs one (ADR 0029); a new PUT starts over.
      return current && { ...current, email: null, phone: null, channels: { ...current.channels, email: false, sms: false } };
    case 'InboxNotificationRead':
    case 'ContactConfirmationRequested':
    case 'ContactConfirmationFailed':
    case 'ContactConfirmed':
    case 'EmailSuppressed':
      return current;
  }
}

/** Marking a notification read: once; a second mark records nothing; someone else's is not found. */
export function decideMarkRead(customerId: string, notification: { readonly customerId: string; readonly read: boolean } | null, notificationId: number): CustomerEvent[] {
  if (!notification || notification.customerId !== customerId) {
    throw new DomainError('not-found', `customer ${customerId} has no notification ${notificationId}`, CustomerErrors.notificationNotFound);
  }
  if (notification.read) return [];
  return [{ type: 'InboxNotificationRead', data: { customerId, notificationId } }];
}

function samePreferences(a: Preferences, b: Preferences): boolean {
  return (
    a.email === b.email &&
    a.phone === b.phone &&
    a.locale === b.locale &&
    a.timeZone === b.timeZone &&
    a.channels.email === b.channels.email &&
    a.channels.sms === b.channels.sms &&
    a.channels.web === b.channels.web &&
    (a.quietHours?.start ?? null) === (b.quietHours?.start ?? null) &&
    (a.quietHours?.end ?? null) === (b.quietHours?.end ?? null)
  );
}
