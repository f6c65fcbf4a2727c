// SMS delivery reports (the provider's status callbacks, ADR 0031), kept per message SID and applied to
// the SMS delivery that sent it — by the webhook when the send is already recorded, or by the notifier
// when it records the send after the report came. Either side appends the one SmsDeliveryReported.
import type { PoolClient } from 'pg';

/** The statuses after which a message's fate does not change. */
export const SMS_FINAL_STATUSES = ['delivered', 'undelivered', 'failed'] as const;
export type SmsFinalStatus = (typeof SMS_FINAL_STATUSES)[number];

/** Every status Twilio reports for an outbound message. */
export const SMS_REPORTED_STATUSES = ['accepted', 'scheduled', 'canceled', 'queued', 'sending', 'sent', 'read', ...SMS_FINAL_STATUSES] as const;
export type SmsReportedStatus = (typeof SMS_REPORTED_STATUSES)[number];

/** Twilio's error for a recipient who replied STOP to the sender: nothing more may be sent to the number. */
export const SMS_RECIPIENT_UNSUBSCRIBED = '21610';

export interface SmsStatusReport {
  readonly messageSid: string;
  readonly status: SmsReportedStatus;
  readonly errorCode: string | null;
}

/** A delivery whose final SMS status was just recorded: what its SmsDeliveryReported says. */
export interface ReportedSmsDelivery {
  readonly deliveryId: string;
  readonly customerId: string;
  readonly sku: string;
  readonly providerMessageId: string;
  readonly status: SmsFinalStatus;
  readonly errorCode: string | null;
}

const FINAL = `('delivered', 'undelivered', 'failed')`;

/**
 * Records a report: the newest per SID, a final one never replaced (a repeat or a late `sent` changes
 * nothing); then applies it to the SMS delivery with that SID, if the send is recorded yet.
 */
export async function recordSmsStatusReport(client: Pick<PoolClient, 'query'>, s: string, report: SmsStatusReport): Promise<ReportedSmsDelivery[]> {
  await client.query(
    `INSERT INTO ${s}.sms_status_reports (message_sid, status, error_code) VALUES ($1, $2, $3)
     ON CONFLICT (message_sid) DO UPDATE SET status = EXCLUDED.status, error_code = EXCLUDED.error_code, reported_at = now()
     WHERE ${s}.sms_status_reports.status NOT IN ${FINAL}`,
    [report.messageSid, report.status, report.errorCode],
  );
  return applySmsStatusReport(client, s, report.messageSid);
}

/**
 * Copies the stored report of `messageSid` onto its SMS delivery, unless the delivery holds a final
 * status already; logs a final one. Returns the deliveries that got their final status now.
 */
export async function applySmsStatusReport(client: Pick<PoolClient, 'query'>, s: string, messageSid: string): Promise<ReportedSmsDelivery[]> {
  const { rows } = await client.query<{ id: string; customer_id: string; sku: string; status: SmsFinalStatus; error_code: string | null; final: boolean }>(
    `WITH d AS (
       UPDATE ${s}.deliveries d SET provider_status = r.status, provider_error_code = r.error_code, provider_status_at = r.reported_at
       FROM ${s}.sms_status_reports r
       WHERE r.message_sid = $1 AND d.channel = 'sms' AND d.provider_message_id = r.message_sid AND d.status = 'sent'
         AND d.provider_status IS DISTINCT FROM r.status AND (d.provider_status IS NULL OR d.provider_status NOT IN ${FINAL})
       RETURNING d.id, d.customer_id, d.sku, d.channel, d.attempts, d.provider, r.status, r.error_code, r.status IN ${FINAL} AS final),
     logged AS (
       INSERT INTO ${s}.delivery_log (delivery_id, channel, status, attempt, provider, detail)
       SELECT id, channel, 'reported', attempts, provider, status || coalesce(' (error ' || error_code || ')', '') FROM d WHERE final)
     SELECT id, customer_id, sku, status, error_code, final FROM d`,
    [messageSid],
  );
  return rows.filter((r) => r.final).map((r) => ({ deliveryId: r.id, customerId: r.customer_id, sku: r.sku, providerMessageId: messageSid, status: r.status, errorCode: r.error_code }));
}

/** The event that tells the read side a sent SMS's fate, on the delivery's stream (after its NotificationDelivered). */
export function smsDeliveryReportedEvent(delivery: ReportedSmsDelivery): { streamId: string; type: 'SmsDeliveryReported'; data: ReportedSmsDelivery } {
  return { streamId: `delivery-${delivery.deliveryId}`, type: 'SmsDeliveryReported', data: { ...delivery } };
}
