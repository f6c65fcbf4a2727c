// Which fields of the customer stream's events are contact details, and how they are sealed into and
// opened from the compact form events carry (ADR 0029). Deciders keep producing clear values; the
// service seals them with the customer's key just before the append, and readers that hold the key open
// them. A v1 event (before sealing) holds its values in clear and is read as it is.
import { CONTACT_CIPHER, openContact, sealContact, type SealedContact } from './contact-cipher.js';

/** The contact fields of each customer event type that has any. */
const CONTACT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  NotificationPreferencesSet: ['email', 'phone'],
  EmailUnsubscribed: ['email'],
  ContactConfirmationRequested: ['address'],
  ContactConfirmed: ['address'],
};

/** `A256GCM.<iv>.<ct>.<tag>`: the sealed value as an event field holds it. */
export function sealedToString(sealed: SealedContact): string {
  return `${sealed.alg}.${sealed.iv}.${sealed.ct}.${sealed.tag}`;
}

/** The sealed value a field holds, or null when it holds a clear value (a v1 event). */
export function sealedFromString(value: string): SealedContact | null {
  if (value.includes('@') || value.startsWith('+')) return null;
  const [alg, iv, ct, tag, ...rest] = value.split('.');
  if (alg !== CONTACT_CIPHER || iv === undefined || ct === undefined || tag === undefined || rest.length > 0) return null;
  return { alg: CONTACT_CIPHER, iv, ct, tag };
}

/** The event with its contact fields sealed under `key`, bound to `streamId` and the field's name. */
export function sealCustomerEvent<E extends { readonly type: string; readonly data: unknown }>(event: E, key: Uint8Array, streamId: string): E {
  const fields = CONTACT_FIELDS[event.type];
  if (!fields) return event;
  const data: Record<string, unknown> = { ...(event.data as Record<string, unknown>) };
  for (const field of fields) {
    const value = data[field];
    if (typeof value === 'string') data[field] = sealedToString(sealContact(key, { streamId, field }, value));
  }
  return { ...event, data };
}

/**
 * An event's payload with its contact fields opened: a sealed value under `key` (null once erased:
 * the value then reads as null, "no contact"), a clear value of a v1 event as it is.
 */
export function openCustomerEventData<T extends object>(type: string, data: T, key: Uint8Array | null, streamId: string): T {
  const fields = CONTACT_FIELDS[type];
  if (!fields) return data;
  const opened: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const field of fields) {
    const value = opened[field];
    const sealed = typeof value === 'string' ? sealedFromString(value) : null;
    if (!sealed) continue;
    const clear = openContact(key, { streamId, field }, sealed);
    opened[field] = typeof clear === 'string' ? clear : null;
  }
  return opened as T;
}

/** Whether an event type carries contact details (and so needs the customer's key). */
export function carriesContact(type: string): boolean {
  return type in CONTACT_FIELDS;
}
