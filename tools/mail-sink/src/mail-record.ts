import { randomUUID } from 'node:crypto';
import { KEPT_HEADERS, type KeptHeader, type StoredMail } from '@stockflow/sink-kit';
import type { HeaderLines, ParsedMail } from 'mailparser';

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
