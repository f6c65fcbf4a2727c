// Contact confirmation as a customer does it (ADR 0028): the code arrives at the address or number (here:
// the development sinks), the customer posts it back. Tests and benchmarks that expect notifications by
// email or SMS confirm their customers' contacts first, and count notifications without these messages.
import type { StoredMail, StoredSms } from './sink-api.js';

const CONFIRMATION = /confirmation code|Bestätigungscode/;

export const isConfirmationMail = (mail: Pick<StoredMail, 'subject'>): boolean => CONFIRMATION.test(mail.subject);
export const isConfirmationSms = (sms: Pick<StoredSms, 'body'>): boolean => CONFIRMATION.test(sms.body);

export interface ConfirmationEndpoints {
  readonly notificationsUrl: string;
  readonly mailSinkUrl: string;
  readonly smsSinkUrl: string;
}

/** The preferences fields that say which contacts get a code. */
export interface ContactPreferences {
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly channels?: { readonly email?: boolean; readonly sms?: boolean };
}

async function messagesTo<T>(sinkUrl: string, to: string): Promise<T[]> {
  const response = await fetch(`${sinkUrl}/api/messages?to=${encodeURIComponent(to)}`);
  if (!response.ok) throw new Error(`${sinkUrl}/api/messages: ${response.status}`);
  return (await response.json()) as T[];
}

/** The text of the newest confirmation message the sink received for `address`, once there is one. */
async function confirmationText(at: ConfirmationEndpoints, channel: 'email' | 'sms', address: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const texts =
      channel === 'email'
        ? (await messagesTo<StoredMail>(at.mailSinkUrl, address)).filter(isConfirmationMail).map((m) => m.text ?? '')
        : (await messagesTo<StoredSms>(at.smsSinkUrl, address)).filter(isConfirmationSms).map((m) => m.body);
    if (texts.length > 0) return texts[texts.length - 1]!;
    if (Date.now() > until) throw new Error(`no ${channel} confirmation code arrived within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Confirms the contacts `preferences` turned on (after the PUT that set them): waits for each code at
 * the sink, then posts it as the customer would (`headers`: the customer's bearer token, if any).
 */
export async function confirmContacts(at: ConfirmationEndpoints, customerId: string, preferences: ContactPreferences, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<void> {
  const wanted: Array<['email' | 'sms', string]> = [];
  if (preferences.channels?.email && preferences.email) wanted.push(['email', preferences.email]);
  if (preferences.channels?.sms && preferences.phone) wanted.push(['sms', preferences.phone]);
  await Promise.all(
    wanted.map(async ([channel, address]) => {
      const code = /\b(\d{6})\b/.exec(await confirmationText(at, channel, address, timeoutMs))?.[1];
      if (!code) throw new Error(`no six-digit code in the ${channel} confirmation for ${customerId}`);
      const response = await fetch(`${at.notificationsUrl}/customers/${encodeURIComponent(customerId)}/contacts/${channel}/confirm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ code }),
      });
      if (response.status !== 204) throw new Error(`confirming ${customerId}'s ${channel}: ${response.status} ${await response.text()}`);
    }),
  );
}
