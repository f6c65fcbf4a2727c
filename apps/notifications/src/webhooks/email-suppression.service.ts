import { Injectable } from '@nestjs/common';
import { customerStreamId, decideEmailSuppression, type EmailSuppressionReport } from '@stockflow/notifications-context';
import { saveEmailSuppressed } from '@stockflow/notifications-store';
import { NotificationsStore } from '../persistence/notifications-store.js';

/** The Message-ID every notifier e-mail carries: `<deliveryId@notifier.stockflow>` (a confirmation's id for a code). */
const NOTIFIER_MESSAGE_ID = /^<?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@notifier\.stockflow>?$/i;

/**
 * Hard bounces and complaints (ADR 0032): the message is found by its Message-ID (a delivery's, or a
 * confirmation code's), and its customer's address suppressed if it is still the one the message went to.
 */
@Injectable()
export class EmailSuppressionService {
  constructor(private readonly store: NotificationsStore) {}

  /** Whether the report changed anything (false: not our message, another address by now, or already suppressed). */
  async report(report: EmailSuppressionReport): Promise<boolean> {
    const id = NOTIFIER_MESSAGE_ID.exec(report.messageId.trim())?.[1]?.toLowerCase();
    if (!id) return false;
    const customerId = await this.customerOf(id);
    if (!customerId) return false;
    return this.store.transaction(async (client, tx) => {
      await tx.lockStream(customerStreamId(customerId));
      const { rows } = await client.query<{ email: string | null; confirmed_email: string | null; version: number }>(
        `SELECT email, confirmed_email, version FROM ${this.store.s}.customers WHERE customer_id = $1`,
        [customerId],
      );
      const customer = rows[0];
      if (!customer) return false;
      const events = decideEmailSuppression(customerId, { email: customer.email, confirmedEmail: customer.confirmed_email }, report);
      if (events.length === 0) return false;
      const version = await tx.appendForCustomer(customerId, events, customer.version);
      await saveEmailSuppressed(client, this.store.s, customerId, report.reason, version);
      return true;
    });
  }

  /** The customer an e-mail went to: a notification delivery (the notifier's table, once it exists) or a confirmation code. */
  private async customerOf(messageId: string): Promise<string | null> {
    const s = this.store.s;
    const { rows } = await this.store.pool.query<{ customer_id: string }>(
      `SELECT customer_id FROM ${s}.contact_confirmations WHERE confirmation_id = $1 AND channel = 'email'`,
      [messageId],
    );
    if (rows[0]) return rows[0].customer_id;
    const { rows: ready } = await this.store.pool.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`${s}.deliveries`]);
    if (!ready[0]?.ok) return null;
    const { rows: deliveries } = await this.store.pool.query<{ customer_id: string }>(`SELECT customer_id FROM ${s}.deliveries WHERE id = $1 AND channel = 'email'`, [messageId]);
    return deliveries[0]?.customer_id ?? null;
  }
}
