// The phone aggregate (stream `phone-<blind index>`): SMS opt-out and opt-in by keyword, as carriers
// and Twilio's Advanced Opt-Out treat them — the opt-out belongs to the number, whoever uses it. The
// aggregate knows the number only by its blind index (phone-index.ts, ADR 0029).
import type { notificationPhone } from '@stockflow/contracts';

export type PhoneEvent = notificationPhone.PhoneEvent;

export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;

/**
 * The keyword of an inbound SMS: the whole message, trimmed, upper-cased, without trailing
 * punctuation ("Stop." → STOP). A sentence that merely contains "stop" is not a keyword.
 */
export function keywordOf(body: string): string {
  return body
    .trim()
    .replace(/[.!]+$/, '')
    .trim()
    .toUpperCase();
}

export type KeywordKind = 'opt-out' | 'opt-in' | 'other';

export function keywordKind(keyword: string): KeywordKind {
  if ((OPT_OUT_KEYWORDS as readonly string[]).includes(keyword)) return 'opt-out';
  if ((OPT_IN_KEYWORDS as readonly string[]).includes(keyword)) return 'opt-in';
  return 'other';
}

/** Records a change of the number's opt-out state, nothing when it is already in that state. */
export function decideKeyword(optedOut: boolean, phoneIndex: string, keyword: string): PhoneEvent[] {
  const kind = keywordKind(keyword);
  if (kind === 'opt-out' && !optedOut) return [{ type: 'SmsOptedOut', data: { phone: phoneIndex, keyword } }];
  if (kind === 'opt-in' && optedOut) return [{ type: 'SmsOptedIn', data: { phone: phoneIndex, keyword } }];
  return [];
}

/**
 * The provider reports that the recipient unsubscribed (Twilio 21610: they replied STOP to the sender
 * number, and the provider now refuses to text them): the number is opted out as if the keyword had
 * reached us, recorded as `PROVIDER-<code>`; nothing when it is already.
 */
export function decideProviderOptOut(optedOut: boolean, phoneIndex: string, errorCode: string): PhoneEvent[] {
  return optedOut ? [] : [{ type: 'SmsOptedOut', data: { phone: phoneIndex, keyword: `PROVIDER-${errorCode}`.slice(0, 32) } }];
}
