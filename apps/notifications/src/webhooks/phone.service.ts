import { Injectable } from '@nestjs/common';
import { decideKeyword, decideProviderOptOut, phoneIndexOf, phoneStreamId, type PhoneEvent } from '@stockflow/notifications-context';
import { savePhoneOptOut } from '@stockflow/notifications-store';
import { NotificationsStore } from '../persistence/notifications-store.js';

/** SMS opt-out / opt-in per phone number (`phone-<blind index>` and `phone_opt_outs`; the number itself is not kept, ADR 0029). */
@Injectable()
export class PhoneService {
  constructor(private readonly store: NotificationsStore) {}

  /** Applies an inbound keyword; returns the event type recorded, if any. */
  keyword(phone: string, keyword: string): Promise<string | null> {
    return this.decide(phone, (optedOut, index) => decideKeyword(optedOut, index, keyword));
  }

  /** The provider refuses the number because its owner unsubscribed there (Twilio 21610): opted out here too. */
  providerOptOut(phone: string, errorCode: string): Promise<string | null> {
    return this.decide(phone, (optedOut, index) => decideProviderOptOut(optedOut, index, errorCode));
  }

  private async decide(phone: string, decider: (optedOut: boolean, index: string) => PhoneEvent[]): Promise<string | null> {
    const index = phoneIndexOf(this.store.phoneIndexKey, phone);
    return this.store.transaction(async (client, tx) => {
      await tx.lockStream(phoneStreamId(index));
      const { rows } = await client.query<{ opted_out: boolean; version: number }>(
        `SELECT opted_out, version FROM ${this.store.s}.phone_opt_outs WHERE phone_index = $1`,
        [index],
      );
      const events = decider(rows[0]?.opted_out ?? false, index);
      if (events.length === 0) return null;
      const version = await tx.append(phoneStreamId(index), events, rows[0]?.version ?? 0);
      await savePhoneOptOut(client, this.store.s, index, events[0]!.type === 'SmsOptedOut', events[0]!.data.keyword, version);
      return events[0]!.type;
    });
  }
}
