import type { SmsProviderConfig } from '../notifier-config.js';
import { renderSms } from '../templates/templates.js';
import { TokenBucket } from '../delivery/token-bucket.js';
import { SendError, type OutgoingMessage, type SendingChannel, type SendReceipt } from './channel.js';

export interface SmsChannelObserver {
  failover?(from: string, to: string, reason: string): void;
  providerError?(provider: string, reason: string): void;
}

export interface SmsChannelOptions {
  readonly providers: readonly SmsProviderConfig[];
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  /** Asked of the provider with every message (`StatusCallback`): where it reports delivered / undelivered. */
  readonly statusCallbackUrl?: string | undefined;
  readonly observer?: SmsChannelObserver;
}

/** One provider's answer: accepted, the provider failed (try the next), or the message is refused. */
type Attempt = { ok: true; sid: string | null } | { ok: false; providerFault: boolean; reason: string; retryAfterMs: number };

/**
 * SMS through HTTP providers of Twilio's Messages shape (`POST /2010-04-01/Accounts/:sid/Messages.json`,
 * form `To`, `From`, `Body`, basic auth), in order, with failover: a provider that answers 5xx or 429,
 * times out or cannot be reached is skipped for the next one, and tried last for a cool-down. Each
 * provider has a token bucket at its published rate. A 4xx (an invalid number, an opted-out
 * recipient) is about the message, not the provider: permanent, no failover.
 */
export class SmsChannel implements SendingChannel {
  readonly name = 'sms' as const;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly downUntil = new Map<string, number>();

  constructor(private readonly options: SmsChannelOptions) {
    for (const p of options.providers) this.buckets.set(p.name, new TokenBucket(p.ratePerSecond));
  }

  /** Waits for a rate-limit token per provider so far (for metrics). */
  get rateLimitWaits(): Record<string, number> {
    return Object.fromEntries([...this.buckets].map(([name, bucket]) => [name, bucket.waits]));
  }

  async send(message: OutgoingMessage): Promise<SendReceipt> {
    const body = renderSms(message.locale, message.vars);
    const order = this.order();
    let last: { reason: string; retryAfterMs: number; provider: string } | null = null;
    for (let i = 0; i < order.length; i++) {
      const provider = order[i]!;
      await this.buckets.get(provider.name)!.take();
      const attempt = await this.post(provider, message.recipient, body);
      if (attempt.ok) {
        this.downUntil.delete(provider.name);
        return { provider: provider.name, providerMessageId: attempt.sid };
      }
      if (!attempt.providerFault) throw new SendError(`${provider.name}: ${attempt.reason}`, true, provider.name);
      this.downUntil.set(provider.name, Date.now() + this.options.cooldownMs);
      this.options.observer?.providerError?.(provider.name, attempt.reason);
      last = { reason: attempt.reason, retryAfterMs: attempt.retryAfterMs, provider: provider.name };
      const next = order[i + 1];
      if (next) this.options.observer?.failover?.(provider.name, next.name, attempt.reason);
    }
    throw new SendError(`every SMS provider failed; last ${last?.provider}: ${last?.reason}`, false, last?.provider ?? null, last?.retryAfterMs ?? 0);
  }

  async close(): Promise<void> {}

  /**
   * After an interrupted attempt: did a provider accept this message already? Asks each provider's
   * message list (Twilio: `GET …/Messages.json?To=…&DateSent>=…`) for a message with this body to this
   * number created since the interrupted attempt began. `unknown` when a provider cannot tell (no such
   * endpoint, unreachable): the caller then sends again (at least once), accepting a possible duplicate.
   */
  async findAccepted(message: OutgoingMessage, since: Date): Promise<{ status: 'found'; provider: string; sid: string } | { status: 'absent' | 'unknown' }> {
    const body = renderSms(message.locale, message.vars);
    let unknown = false;
    for (const provider of this.options.providers) {
      const day = new Date(since.getTime() - 86_400_000).toISOString().slice(0, 10);
      const url =
        `${provider.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(provider.accountSid)}/Messages.json` +
        `?To=${encodeURIComponent(message.recipient)}&${encodeURIComponent('DateSent>')}=${day}&PageSize=50`;
      try {
        const response = await fetch(url, {
          headers: { authorization: `Basic ${Buffer.from(`${provider.accountSid}:${provider.authToken}`).toString('base64')}` },
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        if (!response.ok) {
          unknown = true;
          continue;
        }
        const list = (await response.json()) as { messages?: { sid?: string; to?: string; body?: string; date_created?: string }[] };
        const match = (list.messages ?? []).find(
          (m) => m.to === message.recipient && m.body === body && (!m.date_created || Date.parse(m.date_created) >= since.getTime() - 2_000),
        );
        if (match?.sid) return { status: 'found', provider: provider.name, sid: match.sid };
      } catch {
        unknown = true;
      }
    }
    return { status: unknown ? 'unknown' : 'absent' };
  }

  /** Configured order, providers in cool-down last. */
  private order(): SmsProviderConfig[] {
    const now = Date.now();
    const healthy = this.options.providers.filter((p) => (this.downUntil.get(p.name) ?? 0) <= now);
    const cooling = this.options.providers.filter((p) => (this.downUntil.get(p.name) ?? 0) > now);
    return [...healthy, ...cooling];
  }

  private async post(provider: SmsProviderConfig, to: string, body: string): Promise<Attempt> {
    const url = `${provider.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(provider.accountSid)}/Messages.json`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${provider.accountSid}:${provider.authToken}`).toString('base64')}`,
        },
        body: new URLSearchParams({ To: to, From: provider.from, Body: body, ...(this.options.statusCallbackUrl ? { StatusCallback: this.options.statusCallbackUrl } : {}) }).toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      const reason = name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${this.options.timeoutMs} ms` : `unreachable: ${(error as Error).message}`;
      return { ok: false, providerFault: true, reason, retryAfterMs: 0 };
    }
    const text = await response.text().catch(() => '');
    if (response.status === 200 || response.status === 201) {
      let sid: string | null = null;
      try {
        sid = (JSON.parse(text) as { sid?: string }).sid ?? null;
      } catch {
        // an accepted message without a readable body is still accepted
      }
      return { ok: true, sid };
    }
    const detail = describeTwilioError(response.status, text);
    if (response.status === 429 || response.status === 408 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      return { ok: false, providerFault: true, reason: detail, retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0 };
    }
    return { ok: false, providerFault: false, reason: detail, retryAfterMs: 0 };
  }
}

function describeTwilioError(status: number, text: string): string {
  try {
    const error = JSON.parse(text) as { code?: number; message?: string };
    return `HTTP ${status}${error.code ? ` (${error.code})` : ''}: ${error.message ?? text.slice(0, 200)}`;
  } catch {
    return `HTTP ${status}: ${text.slice(0, 200)}`;
  }
}
