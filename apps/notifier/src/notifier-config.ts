import { BaseServiceConfig, EnvEnum, EnvInt, EnvOptional, EnvSecret, EnvString, EnvUrl } from '@stockflow/platform';
import { DEFAULT_DAILY_CAPS, type DailyCaps } from '@stockflow/notifications-context';
import { ValidateBy } from 'class-validator';
import { SMTP_TLS_MODES, type SmtpSettings, type SmtpTlsMode } from './channels/smtp-settings.js';

/** The development secret, the same default as the notifications service (which verifies the links). */
export const DEV_UNSUBSCRIBE_SECRET = 'stockflow-dev-unsubscribe-secret-change-me';
/** The development SMS sink's auth token: refused outside development (ADR 0027). */
export const DEV_SMS_AUTH_TOKEN = 'dev-token';

/** One SMS provider with the Twilio Messages API shape. */
export interface SmsProviderConfig {
  readonly name: string;
  /** e.g. `https://api.twilio.com` or the SMS sink `http://127.0.0.1:8026`. */
  readonly baseUrl: string;
  readonly accountSid: string;
  readonly authToken: string;
  /** The sender number (E.164) or messaging service. */
  readonly from: string;
  /** The provider's cap on sends per second (a token bucket per process). */
  readonly ratePerSecond: number;
}

export const DEFAULT_SMS_PROVIDERS: readonly SmsProviderConfig[] = [
  { name: 'primary', baseUrl: 'http://127.0.0.1:8026', accountSid: 'ACstockflowprimary', authToken: DEV_SMS_AUTH_TOKEN, from: '+15005550006', ratePerSecond: 200 },
  { name: 'secondary', baseUrl: 'http://127.0.0.1:8026', accountSid: 'ACstockflowsecondary', authToken: DEV_SMS_AUTH_TOKEN, from: '+15005550007', ratePerSecond: 200 },
];

export function parseSmsProviders(raw: unknown): SmsProviderConfig[] | null {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > 8) return null;
  const providers: SmsProviderConfig[] = [];
  for (const entry of value as Record<string, unknown>[]) {
    if (!entry || typeof entry !== 'object') return null;
    const { name, baseUrl, accountSid, authToken, from, ratePerSecond } = entry;
    if (typeof name !== 'string' || !/^[a-z0-9-]{1,32}$/.test(name)) return null;
    if (typeof baseUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(baseUrl)) return null;
    if (typeof accountSid !== 'string' || !/^[A-Za-z0-9]{2,64}$/.test(accountSid)) return null;
    if (typeof authToken !== 'string' || authToken.length === 0) return null;
    if (typeof from !== 'string' || from.length === 0) return null;
    const rate = ratePerSecond ?? 100;
    if (typeof rate !== 'number' || !(rate > 0) || rate > 100_000) return null;
    providers.push({ name, baseUrl: baseUrl.replace(/\/$/, ''), accountSid, authToken, from, ratePerSecond: rate });
  }
  return new Set(providers.map((p) => p.name)).size === providers.length ? providers : null;
}

/** Environment of the notifier: the worker of the notifications context (same schema, ADR 0007). */
export class NotifierConfig extends BaseServiceConfig {
  override SERVICE_NAME = 'notifier';
  override PORT = 3006;
  override DB_SCHEMA = 'notifications';
  /** Its liveness lock, parallel wave slices and the email and SMS senders' outcome transactions each hold one. */
  override DB_POOL_MAX = 16;

  @EnvString({ pattern: /^[A-Za-z0-9.-]+$/, description: 'a host name or IP address' })
  SMTP_HOST: string = '127.0.0.1';

  @EnvInt({ min: 1, max: 65535 })
  SMTP_PORT: number = 1025;

  /**
   * `starttls-required` | `starttls-if-offered` | `implicit` | `off`. Unset: implicit on port 465,
   * starttls-if-offered for a server on this machine, starttls-required for any other. Whenever TLS is
   * used the certificate and the server's name are checked (channels/smtp-settings.ts).
   */
  @EnvOptional()
  @EnvEnum(SMTP_TLS_MODES)
  SMTP_TLS?: SmtpTlsMode;

  /** PEM file of the CA certificate(s) that sign the mail server's certificate (a private relay). */
  @EnvOptional()
  @EnvString({ pattern: /^\S+$/, description: 'a path to a PEM file' })
  SMTP_TLS_CA_FILE?: string;

  /** SMTP AUTH user (or SMTP_USER_FILE); with SMTP_PASSWORD (or SMTP_PASSWORD_FILE). */
  @EnvOptional()
  @EnvString({ pattern: /^\S{1,256}$/, description: 'an SMTP user name without spaces' })
  SMTP_USER?: string;

  @EnvOptional()
  @EnvSecret()
  @EnvString({ pattern: /^.{1,1024}$/, description: 'the SMTP password' })
  SMTP_PASSWORD?: string;

  @EnvInt({ min: 1, max: 64 })
  SMTP_POOL_SIZE: number = 4;

  @EnvString({ pattern: /^.+@.+$/, description: 'a sender address such as "stockflow <alerts@stockflow.dev>"' })
  MAIL_FROM: string = 'stockflow alerts <alerts@stockflow.dev>';

  /** JSON array of `{ name, baseUrl, accountSid, authToken, from, ratePerSecond }`, tried in order. */
  @ValidateBy(
    { name: 'smsProviders', validator: { validate: (value: unknown) => parseSmsProviders(value) !== null } },
    { message: 'SMS_PROVIDERS must be a JSON array of 1 to 8 { name, baseUrl, accountSid, authToken, from, ratePerSecond } with distinct names' },
  )
  SMS_PROVIDERS: string = JSON.stringify(DEFAULT_SMS_PROVIDERS);

  /**
   * Where the SMS provider reports each message's fate (its status callback, ADR 0031): the
   * notifications service's `/webhooks/sms/status`, as the provider reaches it. Unset: no reports are
   * asked for, and "sent" stays "accepted by the provider".
   */
  @EnvOptional()
  @EnvUrl(['http', 'https'])
  SMS_STATUS_CALLBACK_URL?: string;

  @EnvInt({ min: 100, max: 60_000 })
  SMS_TIMEOUT_MS: number = 3_000;

  /** After a provider fails it is tried last for this long (the others first). */
  @EnvInt({ min: 0, max: 600_000 })
  SMS_PROVIDER_COOLDOWN_MS: number = 10_000;

  /** Inventory's REST API: stock is re-checked there before each wave (GET /skus/:sku). */
  @EnvUrl(['http', 'https'])
  INVENTORY_URL: string = 'http://127.0.0.1:3002';

  @EnvInt({ min: 50, max: 30_000 })
  INVENTORY_TIMEOUT_MS: number = 500;

  /** Product links in messages: `<LINK_BASE_URL>/<sku>`. */
  @EnvUrl(['http', 'https'])
  LINK_BASE_URL: string = 'http://127.0.0.1:3000/products';

  /** Where the notifications service answers `/unsubscribe` (the link in every email). */
  @EnvUrl(['http', 'https'])
  UNSUBSCRIBE_BASE_URL: string = 'http://127.0.0.1:3004';

  @EnvSecret()
  @EnvString({ pattern: /^.{16,}$/, description: 'a secret of at least 16 characters' })
  UNSUBSCRIBE_SECRET: string = DEV_UNSUBSCRIBE_SECRET;

  /**
   * Messages one e-mail address may receive a UTC day, however many customers name it (ADR 0028).
   * The delivery past the cap is not sent: it ends `capped`. Counted in PostgreSQL, not fail-open.
   */
  @EnvInt({ min: 1, max: 100_000 })
  NOTIFY_DAILY_CAP_PER_ADDRESS: number = DEFAULT_DAILY_CAPS.email;

  /** Messages one phone number may receive a UTC day (SMS; the pumping vector, so lower). */
  @EnvInt({ min: 1, max: 100_000 })
  NOTIFY_DAILY_CAP_PER_NUMBER: number = DEFAULT_DAILY_CAPS.sms;

  /** Back-in-stock subscribers picked per wave (each wave re-checks stock first). */
  @EnvInt({ min: 1, max: 10_000 })
  WAVE_SIZE: number = 500;

  /**
   * How long a back-in-stock notification holds a unit for its customer: the next wave is sized to the
   * stock not held by offers younger than this, so a restock of N units tells N customers now, and the
   * next ones in the queue only if units are still there when the offers lapse.
   */
  @EnvInt({ min: 0, max: 7 * 86_400_000 })
  OFFER_WINDOW_MS: number = 15 * 60_000;

  /**
   * Waves after the first are split into this many transactions of at most WAVE_SIZE, run at once
   * on separate connections (each appends its SubscriptionFulfilled events: one statement per stream).
   */
  @EnvInt({ min: 1, max: 16 })
  WAVE_PARALLELISM: number = 4;

  /** Web deliveries written to the inbox per transaction. */
  @EnvInt({ min: 1, max: 10_000 })
  WEB_BATCH: number = 1_000;

  @EnvInt({ min: 1, max: 256 })
  EMAIL_CONCURRENCY: number = 16;

  @EnvInt({ min: 1, max: 256 })
  SMS_CONCURRENCY: number = 16;

  @EnvInt({ min: 1, max: 50 })
  EMAIL_MAX_ATTEMPTS: number = 10;

  @EnvInt({ min: 1, max: 50 })
  SMS_MAX_ATTEMPTS: number = 8;

  /** First retry delay; doubles each attempt (full jitter), up to RETRY_MAX_MS. */
  @EnvInt({ min: 10, max: 600_000 })
  RETRY_BASE_MS: number = 500;

  @EnvInt({ min: 100, max: 86_400_000 })
  RETRY_MAX_MS: number = 300_000;

  /** A claimed email/SMS delivery is another notifier's to resume after this (if its owner also seems alive). */
  @EnvInt({ min: 1_000, max: 3_600_000 })
  LEASE_MS: number = 60_000;

  /** Idle dispatchers look for due deliveries this often (new ones wake them at once). */
  @EnvInt({ min: 10, max: 60_000 })
  POLL_MS: number = 250;

  /** How long start-up waits for the notifications service to create the context's read models. */
  @EnvInt({ min: 0, max: 600_000 })
  SCHEMA_WAIT_MS: number = 60_000;

  get dailyCaps(): DailyCaps {
    return { email: this.NOTIFY_DAILY_CAP_PER_ADDRESS, sms: this.NOTIFY_DAILY_CAP_PER_NUMBER };
  }

  get smtp(): SmtpSettings {
    return { host: this.SMTP_HOST, port: this.SMTP_PORT, tls: this.SMTP_TLS, caFile: this.SMTP_TLS_CA_FILE, user: this.SMTP_USER, password: this.SMTP_PASSWORD };
  }

  get smsProviders(): SmsProviderConfig[] {
    return parseSmsProviders(this.SMS_PROVIDERS)!;
  }
}
