import { Injectable } from '@nestjs/common';
import { ProblemDetailsException } from '@stockflow/platform';
import { recordSmsStatusReport, SMS_RECIPIENT_UNSUBSCRIBED, smsDeliveryReportedEvent, type SmsStatusReport } from '@stockflow/notifications-store';
import { NotificationsStore } from '../persistence/notifications-store.js';
import { PhoneService } from './phone.service.js';

/**
 * The SMS provider's status callbacks (ADR 0031): each report is kept per message SID and applied to
 * the SMS delivery that sent it, with SmsDeliveryReported on the delivery's stream once its fate is
 * final — in one transaction. A recipient the provider reports unsubscribed (21610) is opted out.
 */
@Injectable()
export class SmsStatusService {
  constructor(
    private readonly store: NotificationsStore,
    private readonly phones: PhoneService,
  ) {}

  async report(report: SmsStatusReport, to: string | null): Promise<void> {
    const s = this.store.s;
    await this.store.transaction(async (client, tx) => {
      // The notifier creates the deliveries and the reports' table: until it has run once, nothing was sent.
      const { rows } = await client.query<{ ready: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ready', [`${s}.sms_status_reports`]);
      if (!rows[0]?.ready) {
        throw new ProblemDetailsException({ status: 503, title: 'Service Unavailable', detail: 'The notifier has not prepared the delivery tables yet; send the report again later.' });
      }
      const deliveries = await recordSmsStatusReport(client, s, report);
      for (const delivery of deliveries) {
        const { streamId, type, data } = smsDeliveryReportedEvent(delivery);
        await tx.append(streamId, [{ type, data }], 'stream_exists');
      }
    });
    if (report.errorCode === SMS_RECIPIENT_UNSUBSCRIBED && to !== null) await this.phones.providerOptOut(to, report.errorCode);
  }
}
