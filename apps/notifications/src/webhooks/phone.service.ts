import { Injectable } from '@nestjs/common';
import { decideKeyword, phoneStreamId } from '@stockflow/notifications-context';
import { NotificationsStore } from '../persistence/notifications-store.js';

/** SMS opt-out / opt-in per phone number (`phone-<E.164>` and `phone_opt_outs`). */
@Injectable()
export class PhoneService {
  constructor(private readonly store: NotificationsStore) {}

  /** Applies an inbound keyword; returns the event type recorded, if any. */
  async keyword(phone: string, keyword: string): Promise<string | null> {
    return this.store.transaction(async (client, tx) => {
      await tx.lockStream(phoneStreamId(phone));
      const { rows } = await client.query<{ opted_out: boolean; version: number }>(
        `SELECT opted_out, version FROM ${this.store.s}.phone_opt_outs WHERE phone = $1`,
        [phone],
      );
      const events = decideKeyword(rows[0]?.opted_out ?? false, phone, keyword);
      if (events.length === 0) return null;
      const version = await tx.append(phoneStreamId(phone), events, rows[0]?.version ?? 0);
      await client.query(
        `INSERT INTO ${this.store.s}.phone_opt_outs (phone, opted_out, keyword, version, changed_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (phone) DO UPDATE SET opted_out = EXCLUDED.opted_out, keyword = EXCLUDED.keyword, version = EXCLUDED.version, changed_at = now()`,
        [phone, events[0]!.type === 'SmsOptedOut', keyword, version],
      );
      return events[0]!.type;
    });
  }
}
