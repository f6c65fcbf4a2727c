// How a customer's contact is read from the context's read models: one column list, one join, one
// mapper, for the planner (choosing channels) and the dispatcher (the contact at send time).
import type { Contact } from '@stockflow/notifications-context';

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
  email_confirmed: boolean | null;
  phone_confirmed: boolean | null;
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
    emailConfirmed: set && row.email_confirmed === true,
    phoneConfirmed: set && row.phone_confirmed === true,
  };
}
/**
 * `email_confirmed` and `phone_confirmed` of a `customers` row aliased `alias`: the address (number) its
 * owner confirmed is the current one (ADR 0028).
 */
export function confirmedContactColumns(alias: string): string {
  return `(${alias}.confirmed_email IS NOT NULL AND ${alias}.confirmed_email = lower(${alias}.email)) AS email_confirmed,
  (${alias}.confirmed_phone IS NOT NULL AND ${alias}.confirmed_phone = ${alias}.phone) AS phone_confirmed`;
}

/**
 * The columns of a ContactRow, from `cu` (customers) and `o` (phone_opt_outs) as joined by
 * {@link contactJoins}.
 */
export const CONTACT_COLUMNS = `cu.preferences_set, cu.email, cu.phone, cu.locale, cu.time_zone, cu.quiet_start, cu.quiet_end,
  cu.email_enabled, cu.sms_enabled, cu.web_enabled, o.opted_out AS sms_opted_out, ${confirmedContactColumns('cu')}`;

/** Joins a customer's contact (`cu`, `o`) to rows of `alias` that carry a `customer_id`; `s` is the quoted schema. */
export function contactJoins(s: string, alias: string): string {
  return `LEFT JOIN ${s}.customers cu ON cu.customer_id = ${alias}.customer_id ${phoneOptOutJoin(s, 'cu', 'o')}`;
}

/** Joins the opt-out state of the phone of the `customers` row `customer` as `alias`, by the number's blind index (ADR 0029). */
export function phoneOptOutJoin(s: string, customer: string, alias: string): string {
  return `LEFT JOIN ${s}.phone_opt_outs ${alias} ON ${alias}.phone_index = ${customer}.phone_index`;
}
