import { Injectable } from '@nestjs/common';
import { decideKeyword, phoneStreamId } from '@stockflow/notifications-context';
import { savePhoneOptOut } from '@stockflow/notifications-store';
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
      await savePhoneOptOut(client, this.store.s, phone, events[0]!.type === 'SmsOptedOut', keyword, version);
      return events[0]!.type;
    });
  }
}
