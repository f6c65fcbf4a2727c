// Clients of the development mail and SMS sinks (tools/mail-sink, tools/sms-sink): what they
// received, and how they answer the next sends.
import { isConfirmationMail, isConfirmationSms, type MailMode, type SmsMode, type StoredMail, type StoredSms } from '@stockflow/sink-kit';
import { fetchJson } from './fetch-json.js';

export type { MailMode, SmsMode, StoredMail, StoredSms };
export { confirmContacts, isConfirmationMail, isConfirmationSms, type ConfirmationEndpoints, type ContactPreferences } from '@stockflow/sink-kit';

async function received<T>(sinkUrl: string, to: string | undefined): Promise<T[]> {
  const answer = await fetchJson<T[]>('GET', `${sinkUrl}/api/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`);
  if (answer.status !== 200) throw new Error(`${sinkUrl}/api/messages: ${answer.status}`);
  return answer.body;
}

async function control(sinkUrl: string, body: Record<string, unknown>): Promise<void> {
  const answer = await fetchJson('POST', `${sinkUrl}/api/control`, body);
  if (answer.status !== 200) throw new Error(`${sinkUrl}/api/control: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** The mails the sink at `sinkUrl` (its HTTP API) received, to `to` or to anyone. */
export const sentMails = (sinkUrl: string, to?: string): Promise<StoredMail[]> => received<StoredMail>(sinkUrl, to);

/** The text messages the SMS sink received, to `to` or to anyone. */
export const sentSms = (sinkUrl: string, to?: string): Promise<StoredSms[]> => received<StoredSms>(sinkUrl, to);

export const setMailSinkMode = (sinkUrl: string, mode: MailMode): Promise<void> => control(sinkUrl, { mode });

/** How the SMS sink answers the next sends: for the given provider accounts, or for every account. */
export const setSmsSinkMode = (sinkUrl: string, mode: SmsMode, accounts?: readonly string[]): Promise<void> =>
  control(sinkUrl, accounts ? { mode, accounts } : { mode });

/** The mails to `to` (or anyone) that are notifications, not confirmation codes (ADR 0028). */
export const notificationMails = async (sinkUrl: string, to?: string): Promise<StoredMail[]> => (await sentMails(sinkUrl, to)).filter((m) => !isConfirmationMail(m));

/** The text messages to `to` (or anyone) that are notifications, not confirmation codes. */
export const notificationSms = async (sinkUrl: string, to?: string): Promise<StoredSms[]> => (await sentSms(sinkUrl, to)).filter((m) => !isConfirmationSms(m));
