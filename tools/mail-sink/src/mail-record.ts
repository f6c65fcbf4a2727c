import { randomUUID } from 'node:crypto';
import type { HeaderLines, ParsedMail } from 'mailparser';

/** Headers the notifier's tests look at, raw (unfolded) as they were sent. */
export const KEPT_HEADERS = ['list-unsubscribe', 'list-unsubscribe-post', 'message-id'] as const;
export type KeptHeader = (typeof KEPT_HEADERS)[number];

/** One received mail as `GET /api/messages` returns it. */
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

export interface Envelope {
  readonly mailFrom: string | null;
  readonly rcptTo: readonly string[];
}

export function toStoredMail(parsed: ParsedMail, envelope: Envelope, receivedAt = new Date()): StoredMail {
  return {
    id: randomUUID(),
    from: parsed.from?.value[0]?.address ?? envelope.mailFrom ?? '',
    to: [...envelope.rcptTo],
    subject: parsed.subject ?? '',
    text: parsed.text ?? null,
    html: typeof parsed.html === 'string' ? parsed.html : null,
    headers: keptHeaders(parsed.headerLines),
    receivedAt: receivedAt.toISOString(),
  };
}

/** The kept headers' raw values: text after the first colon, unfolded (RFC 5322 §2.2.3), trimmed. */
export function keptHeaders(lines: HeaderLines): Partial<Record<KeptHeader, string>> {
  const headers: Partial<Record<KeptHeader, string>> = {};
  for (const { key, line } of lines) {
    const name = key.toLowerCase() as KeptHeader;
    if (!KEPT_HEADERS.includes(name) || name in headers) continue;
    headers[name] = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n(?=[ \t])/g, '')
      .trim();
  }
  return headers;
}
