// Clients of the development mail and SMS sinks (tools/mail-sink, tools/sms-sink): what they
// received, and how they answer the next sends.
import { fetchJson } from './fetch-json.js';

export interface SentMail {
  readonly id: string;
  readonly to: string[];
  readonly subject: string;
  readonly text: string | null;
  readonly html: string | null;
  readonly headers: Partial<Record<'list-unsubscribe' | 'list-unsubscribe-post' | 'message-id', string>>;
  readonly receivedAt: string;
}

export interface SentSms {
  readonly sid: string;
  readonly to: string;
  readonly from: string | null;
  readonly body: string;
  readonly accountSid: string;
  readonly receivedAt: string;
}

export type MailSinkMode = 'accept' | 'reject-temporary' | 'reject-permanent';
export type SmsSinkMode = 'accept' | 'fail-500' | 'fail-429' | 'timeout';

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
export const sentMails = (sinkUrl: string, to?: string): Promise<SentMail[]> => received<SentMail>(sinkUrl, to);

/** The text messages the SMS sink received, to `to` or to anyone. */
export const sentSms = (sinkUrl: string, to?: string): Promise<SentSms[]> => received<SentSms>(sinkUrl, to);

export const setMailSinkMode = (sinkUrl: string, mode: MailSinkMode): Promise<void> => control(sinkUrl, { mode });

/** How the SMS sink answers the next sends: for the given provider accounts, or for every account. */
export const setSmsSinkMode = (sinkUrl: string, mode: SmsSinkMode, accounts?: readonly string[]): Promise<void> =>
  control(sinkUrl, accounts ? { mode, accounts } : { mode });
