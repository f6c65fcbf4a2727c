import { ContextServiceConfig, EnvInt, EnvOptional, EnvSecret, EnvString, EnvUrl } from '@stockflow/platform';

/** The development secret: good for `npm start` and tests; outside development the service refuses to start with it (ADR 0027). */
export const DEV_UNSUBSCRIBE_SECRET = 'stockflow-dev-unsubscribe-secret-change-me';

/** Environment of the notifications service. Every variable of `ContextServiceConfig`, with its defaults. */
export class NotificationsConfig extends ContextServiceConfig {
  override SERVICE_NAME = 'notifications';
  override PORT = 3004;
  override DB_SCHEMA = 'notifications';

  /** HMAC key of the one-click unsubscribe links (shared with the notifier, which signs them). */
  @EnvSecret()
  @EnvString({ pattern: /^.{16,}$/, description: 'a secret of at least 16 characters' })
  UNSUBSCRIBE_SECRET: string = DEV_UNSUBSCRIBE_SECRET;

  /** A comment line on every open notification stream this often, so proxies keep it open. */
  @EnvInt({ min: 100, max: 300_000 })
  SSE_HEARTBEAT_MS: number = 15_000;

  /**
   * Open streams also poll the inbox this often: a notification whose live NATS message was lost
   * (the notifier died between its commit and the publish) still reaches them.
   */
  @EnvInt({ min: 50, max: 60_000 })
  SSE_POLL_MS: number = 1_000;

  /**
   * `POST /webhooks/sms` requires Twilio's `X-Twilio-Signature` made with this auth token. Unset, the
   * webhook accepts unsigned requests in development only and refuses every request otherwise (ADR 0027).
   */
  @EnvOptional()
  @EnvSecret()
  @EnvString({ pattern: /^\S{8,}$/, description: 'a provider auth token' })
  SMS_WEBHOOK_AUTH_TOKEN?: string;

  /**
   * `POST /webhooks/email/events` (bounces and complaints, Mailgun's webhook shape, ADR 0032) requires
   * the HMAC-SHA256 signature made with this webhook signing key. Unset: unsigned reports are accepted
   * in development only, and every report is refused otherwise.
   */
  @EnvOptional()
  @EnvSecret()
  @EnvString({ pattern: /^\S{16,}$/, description: 'a webhook signing key of at least 16 characters' })
  EMAIL_WEBHOOK_SIGNING_KEY?: string;

  /** The service's public base URL (how providers reach the webhook); signatures are computed on it. */
  @EnvOptional()
  @EnvUrl(['http', 'https'])
  PUBLIC_BASE_URL?: string;
}
