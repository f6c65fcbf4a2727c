import { Injectable } from '@nestjs/common';
import { customerStreamId } from '@stockflow/notifications-context';
import { customerKey, saveCustomerErased } from '@stockflow/notifications-store';
import { NotificationsStore } from '../persistence/notifications-store.js';

/**
 * The right to erasure (ADR 0029), in one transaction: `CustomerDataErased` on the customer's stream,
 * their data key destroyed (every sealed contact value of theirs in the log and in JetStream is noise
 * from the commit on), and their address and number dropped from the read models, the pending
 * confirmations and the notifier's deliveries. Erasing again, or a customer with nothing to erase,
 * records nothing.
 */
@Injectable()
export class CustomerErasureService {
  constructor(private readonly store: NotificationsStore) {}

  /** True when something was erased. */
  async erase(customerId: string): Promise<boolean> {
    const s = this.store.s;
    return this.store.transaction(async (client, tx) => {
      await tx.lockStream(customerStreamId(customerId));
      const [key, { rows }] = await Promise.all([
        customerKey(client, s, customerId),
        client.query<{ version: number; email: string | null; phone: string | null }>(`SELECT version, email, phone FROM ${s}.customers WHERE customer_id = $1`, [customerId]),
      ]);
      const row = rows[0];
      if (!key && !row?.email && !row?.phone) return false;
      const version = await tx.appendForCustomer(customerId, [{ type: 'CustomerDataErased', data: { customerId, erasedAt: new Date().toISOString() } }], row?.version ?? 0);
      await client.query(`DELETE FROM ${s}.customer_keys WHERE customer_id = $1`, [customerId]);
      if (row) await saveCustomerErased(client, s, customerId, version);
      await client.query(`DELETE FROM ${s}.contact_confirmations WHERE customer_id = $1`, [customerId]);
      // The notifier's deliveries (same schema, ADR 0007) keep what they were sent to: drop it. Unsent ones
      // are cancelled by the dispatcher, which finds no address at send time.
      const { rows: notifier } = await client.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${s}.deliveries`]);
      if (notifier[0]?.present) await client.query(`UPDATE ${s}.deliveries SET recipient = NULL WHERE customer_id = $1 AND recipient IS NOT NULL`, [customerId]);
      return true;
    });
  }
}
