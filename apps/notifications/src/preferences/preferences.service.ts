import { Injectable } from '@nestjs/common';
import { DomainError } from '@stockflow/event-sourcing';
import {
  CustomerErrors,
  customerStreamId,
  decideEmailUnsubscribe,
  decideSetPreferences,
  DEFAULT_LOCALE,
  DEFAULT_TIME_ZONE,
  evolvePreferences,
  type Preferences,
} from '@stockflow/notifications-context';
import { canonicalTimeZone } from '@stockflow/notifications-context';
import { confirmedContactColumns, phoneOptOutJoin, preferencesOfRow, saveCustomerPreferences, type CustomerPreferencesRow } from '@stockflow/notifications-store';
import { ContactConfirmationsService } from '../contacts/contact-confirmations.service.js';
import { NotificationsStore, type Transaction } from '../persistence/notifications-store.js';
import type { PreferencesDto, PreferencesView } from './preferences.dto.js';

interface CustomerRow extends CustomerPreferencesRow {
  customer_id: string;
  version: number;
  preferences_set: boolean;
  sms_opted_out?: boolean | null;
  email_confirmed?: boolean | null;
  email_suppressed_reason?: 'bounce' | 'complaint' | null;
  email_suppressed_at?: Date | null;
  phone_confirmed?: boolean | null;
}

/** Preferences commands and reads on the customer stream and the `customers` read model. */
@Injectable()
export class PreferencesService {
  constructor(
    private readonly store: NotificationsStore,
    private readonly confirmations: ContactConfirmationsService,
  ) {}

  async set(customerId: string, body: PreferencesDto): Promise<PreferencesView> {
    const next: Preferences = {
      email: body.email ?? null,
      phone: body.phone ?? null,
      locale: body.locale ?? DEFAULT_LOCALE,
      timeZone: canonicalTimeZone(body.timeZone ?? DEFAULT_TIME_ZONE) ?? DEFAULT_TIME_ZONE,
      channels: { email: body.channels.email, sms: body.channels.sms, web: body.channels.web },
      quietHours: body.quietHours ? { start: body.quietHours.start, end: body.quietHours.end } : null,
    };
    return this.store.transaction(async (_client, tx) => {
      const row = await this.lockCustomer(tx, customerId);
      const current = row?.preferences_set ? preferencesOfRow(row) : null;
      const events = decideSetPreferences(customerId, current, next);
      let version = row?.version ?? 0;
      if (events.length > 0) {
        version = await tx.appendForCustomer(customerId, events, version);
        await this.save(tx, customerId, evolvePreferences(current, events[0]!)!, version);
      }
      // Also when nothing changed: setting the same preferences again asks for a new code once the last expired or locked.
      await this.confirmations.requestFor(tx, customerId, next, version);
      return (await this.read(tx.client, customerId))!;
    });
  }

  async get(customerId: string): Promise<PreferencesView> {
    const view = await this.read(this.store.pool, customerId);
    if (!view) throw new DomainError('not-found', `customer ${customerId} has set no notification preferences`, CustomerErrors.notFound);
    return view;
  }

  /** The one-click email unsubscribe (the token was verified by the caller). True when it changed something. */
  async unsubscribeEmail(customerId: string, email: string): Promise<boolean> {
    return this.store.transaction(async (_client, tx) => {
      const row = await this.lockCustomer(tx, customerId);
      const current = row?.preferences_set ? preferencesOfRow(row) : null;
      const events = decideEmailUnsubscribe(customerId, current, email);
      if (events.length === 0) return false;
      const version = await tx.appendForCustomer(customerId, events, row!.version);
      await this.save(tx, customerId, evolvePreferences(current, events[0]!)!, version);
      return true;
    });
  }

  /** Locks the customer's stream for the transaction and reads its row. */
  async lockCustomer(tx: Transaction, customerId: string): Promise<CustomerRow | null> {
    await tx.lockStream(customerStreamId(customerId));
    const { rows } = await tx.client.query<CustomerRow>(`SELECT * FROM ${this.store.s}.customers WHERE customer_id = $1`, [customerId]);
    return rows[0] ?? null;
  }

  private async save(tx: Transaction, customerId: string, p: Preferences, version: number): Promise<void> {
    await saveCustomerPreferences(tx.client, this.store.s, customerId, p, version, this.store.phoneIndexKey);
  }

  private async read(db: Pick<Transaction['client'], 'query'>, customerId: string): Promise<PreferencesView | null> {
    const { rows } = await db.query<CustomerRow>(
      `SELECT c.*, o.opted_out AS sms_opted_out, ${confirmedContactColumns('c')}
       FROM ${this.store.s}.customers c
       ${phoneOptOutJoin(this.store.s, 'c', 'o')}
       WHERE c.customer_id = $1 AND c.preferences_set`,
      [customerId],
    );
    const row = rows[0];
    if (!row) return null;
    const confirmed = { email: row.email_confirmed === true, sms: row.phone_confirmed === true };
    const emailSuppressed = row.email_suppressed_reason && row.email_suppressed_at ? { reason: row.email_suppressed_reason, at: row.email_suppressed_at.toISOString() } : null;
    return { customerId, ...preferencesOfRow(row), smsOptedOut: row.sms_opted_out === true, confirmed, emailSuppressed, version: row.version };
  }
}
