import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@stockflow/event-sourcing';
import {
  confirmationCodeKey,
  customerStreamId,
  decideConfirm,
  decideRequestConfirmation,
  type ConfirmationState,
  type ContactChannel,
  type PendingConfirmation,
  type Preferences,
} from '@stockflow/notifications-context';
import { saveConfirmedContact, saveCustomerVersion } from '@stockflow/notifications-store';
import { SERVICE_CONFIG } from '@stockflow/platform';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { NotificationsConfig } from '../notifications-config.js';
import { NotificationsStore, type Transaction } from '../persistence/notifications-store.js';

/** Wrong codes answer this code (422); the problem says how many attempts are left. */
export const WRONG_CODE = 'confirmation-code-wrong';

interface ConfirmationRow {
  confirmation_id: string;
  channel: ContactChannel;
  address: string;
  code_hash: string;
  salt: string;
  expires_at: Date;
  max_attempts: number;
  attempts: number;
  locked: boolean;
}

/**
 * Contact confirmation (ADR 0028): a customer's email address or phone number receives notifications only
 * once its owner has typed the one-time code sent to it. The decisions are the context's
 * (`decideRequestConfirmation`, `decideConfirm`); this service keeps their state in
 * `contact_confirmations`, appends their events on the customer stream, and hands the code to the notifier
 * through that table, in the same transaction.
 */
@Injectable()
export class ContactConfirmationsService {
  /** Keys the hashes of codes; derived from the service secret so a log reader cannot try every code. */
  private readonly key: Buffer;

  constructor(
    private readonly store: NotificationsStore,
    @Inject(SERVICE_CONFIG) config: NotificationsConfig,
  ) {
    this.key = confirmationCodeKey(config.UNSUBSCRIBE_SECRET);
  }

  /**
   * Asks the owner of each enabled email address and phone number of `preferences` to confirm it, unless it
   * is confirmed or a live code is on its way. Runs in the caller's transaction, which holds the customer's
   * stream lock at `version`; returns the stream's version after it.
   */
  async requestFor(tx: Transaction, customerId: string, preferences: Preferences, version: number): Promise<number> {
    const wanted: Array<[ContactChannel, string | null]> = [
      ['email', preferences.channels.email ? preferences.email : null],
      ['sms', preferences.channels.sms ? preferences.phone : null],
    ];
    let state: ConfirmationState | null = null;
    for (const [channel, address] of wanted) {
      if (!address) continue;
      state ??= await this.state(tx, customerId);
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const request = { channel, address, confirmationId: randomUUID(), code, salt: randomBytes(16).toString('hex'), key: this.key };
      const events = decideRequestConfirmation(customerId, state, request, new Date());
      if (events.length === 0) continue;
      version = await tx.appendForCustomer(customerId, events, version);
      const requested = events[0]!.data as { expiresAt: string; codeHash: string; maxAttempts: number };
      await tx.client.query(`UPDATE ${this.store.s}.contact_confirmations SET finished = true, code = NULL WHERE customer_id = $1 AND channel = $2 AND NOT finished`, [customerId, channel]);
      await tx.client.query(
        `INSERT INTO ${this.store.s}.contact_confirmations
           (confirmation_id, customer_id, channel, address, code_hash, salt, expires_at, max_attempts, locale, code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [request.confirmationId, customerId, channel, address, requested.codeHash, request.salt, requested.expiresAt, requested.maxAttempts, preferences.locale, code],
      );
      await saveCustomerVersion(tx.client, this.store.s, customerId, version);
    }
    return version;
  }

  /**
   * Checks a code. Right: the address is confirmed (204). Wrong: the attempt is recorded and a 422 names
   * the attempts left (the fifth wrong code locks it: a new code must be requested by setting the
   * preferences again). Expired, locked or nothing pending: 409 / 404 with the context's code.
   */
  async confirm(customerId: string, channel: ContactChannel, code: string): Promise<void> {
    const wrong = await this.store.transaction(async (_client, tx) => {
      await tx.lockStream(customerStreamId(customerId));
      const { rows } = await tx.client.query<{ version: number }>(`SELECT version FROM ${this.store.s}.customers WHERE customer_id = $1`, [customerId]);
      const state = await this.state(tx, customerId);
      const events = decideConfirm(customerId, state, channel, code, new Date(), this.key);
      if (events.length === 0) return null;
      const event = events[0]!;
      const version = await tx.appendForCustomer(customerId, events, rows[0]?.version ?? 0);
      if (event.type === 'ContactConfirmed') {
        await tx.client.query(`UPDATE ${this.store.s}.contact_confirmations SET finished = true, code = NULL WHERE confirmation_id = $1`, [event.data.confirmationId]);
        await saveConfirmedContact(tx.client, this.store.s, customerId, channel, event.data.address, version);
        return null;
      }
      if (event.type !== 'ContactConfirmationFailed') return null;
      await tx.client.query(`UPDATE ${this.store.s}.contact_confirmations SET attempts = $2, locked = $3 WHERE confirmation_id = $1`, [
        event.data.confirmationId,
        event.data.attempts,
        event.data.locked,
      ]);
      await saveCustomerVersion(tx.client, this.store.s, customerId, version);
      const pending = state.pending[channel]!;
      return { left: pending.maxAttempts - event.data.attempts };
    });
    // The wrong attempt is committed above; only then is the caller told.
    if (wrong) {
      const detail = wrong.left > 0 ? `the code is wrong; ${wrong.left} attempt(s) left` : 'the code is wrong; no attempts left: set the preferences again for a new code';
      throw new DomainError('rejected', detail, WRONG_CODE);
    }
  }

  private async state(tx: Transaction, customerId: string): Promise<ConfirmationState> {
    const [{ rows: live }, { rows: customer }] = await Promise.all([
      tx.client.query<ConfirmationRow>(`SELECT * FROM ${this.store.s}.contact_confirmations WHERE customer_id = $1 AND NOT finished`, [customerId]),
      tx.client.query<{ confirmed_email: string | null; confirmed_phone: string | null }>(
        `SELECT confirmed_email, confirmed_phone FROM ${this.store.s}.customers WHERE customer_id = $1`,
        [customerId],
      ),
    ]);
    const pending: Partial<Record<ContactChannel, PendingConfirmation>> = {};
    for (const row of live) {
      pending[row.channel] = {
        confirmationId: row.confirmation_id,
        channel: row.channel,
        address: row.address,
        codeHash: row.code_hash,
        salt: row.salt,
        expiresAt: row.expires_at.toISOString(),
        maxAttempts: row.max_attempts,
        attempts: row.attempts,
        locked: row.locked,
      };
    }
    const confirmed: Partial<Record<ContactChannel, string>> = {};
    if (customer[0]?.confirmed_email) confirmed.email = customer[0].confirmed_email;
    if (customer[0]?.confirmed_phone) confirmed.sms = customer[0].confirmed_phone;
    return { pending, confirmed };
  }
}
