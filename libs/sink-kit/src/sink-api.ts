// What the development sinks' HTTP APIs return (`GET /api/messages`) and take (`POST /api/control`):
// the sinks serve it, tests read it (@stockflow/testing's sink clients).

/** Headers the notifier's tests look at, raw (unfolded) as they were sent. */
export const KEPT_HEADERS = ['list-unsubscribe', 'list-unsubscribe-post', 'message-id'] as const;
export type KeptHeader = (typeof KEPT_HEADERS)[number];

/** One mail the mail sink received. */
export interface StoredMail {
  readonly id: string;
  /** Address of the `From` header (the envelope's MAIL FROM when there is none). */
  readonly from: string;
  /** The envelope's RCPT TO addresses: everyone the mail was delivered to, Cc and Bcc included. */
  readonly to: string[];
  readonly subject: string;
  readonly text: string | null;
  readonly html: string | null;
  readonly headers: Partial<Record<KeptHeader, string>>;
  /** ISO 8601. */
  readonly receivedAt: string;
}

/** How the mail sink's SMTP side answers: `reject-*` play "the mail server is down" (451) or "refuses" (550). */
export type MailMode = 'accept' | 'reject-temporary' | 'reject-permanent';
export const MAIL_MODES: readonly MailMode[] = ['accept', 'reject-temporary', 'reject-permanent'];

/** One message the SMS sink accepted. */
export interface StoredSms {
  readonly sid: string;
  readonly to: string;
  readonly from: string | null;
  readonly body: string;
  readonly accountSid: string;
  /** ISO 8601. */
  readonly receivedAt: string;
}

/**
 * How the SMS sink's `POST …/Messages.json` answers: `fail-500` and `fail-429` answer Twilio-style
 * errors, `timeout` never answers (the client's timeout fires). Nothing is stored while failing.
 */
export type SmsMode = 'accept' | 'fail-500' | 'fail-429' | 'timeout';
export const SMS_MODES: readonly SmsMode[] = ['accept', 'fail-500', 'fail-429', 'timeout'];
