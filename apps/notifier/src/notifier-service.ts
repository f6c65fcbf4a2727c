import { ConfigError, refuseDevelopmentSecrets, runService, type ConsumerSpec, type RunningService, type StartOptions } from '@stockflow/platform';
import { DEV_SMS_AUTH_TOKEN, DEV_UNSUBSCRIBE_SECRET, NotifierConfig } from './notifier-config.js';
import { NotifierModule, notifierOpenApi } from './notifier.module.js';
import { smtpSettingsIssues } from './channels/smtp-settings.js';
import { CONSUMER } from './planning/stock-events.handler.js';

/**
 * What the notifier consumes: inventory's SKU events. A redelivery after a crash comes after the
 * consumer's ack wait (default 5 s; what a live notifier holds is kept alive however long a wave takes).
 */
export const NOTIFIER_CONSUMERS: readonly ConsumerSpec[] = [{ sourceContext: 'inventory', aggregate: 'sku', durable: CONSUMER }];

/**
 * Starts the notifier on the notifications context's schema: its NATS connection, the durable
 * consumer of inventory's transitions, the delivery channels, and health, metrics and the delivery log.
 * Outside development it refuses to start with a secret that ships with the code (ADR 0027); it never
 * starts with SMTP settings that would send a password in clear or name an unreadable CA file.
 */
export async function startNotifierService(config: NotifierConfig, options: StartOptions = {}): Promise<RunningService> {
  const smtpIssues = smtpSettingsIssues(config.smtp);
  if (smtpIssues.length > 0) throw new ConfigError('notifier', smtpIssues);
  refuseDevelopmentSecrets('notifier', config, { UNSUBSCRIBE_SECRET: [DEV_UNSUBSCRIBE_SECRET], SMS_PROVIDERS: [`"authToken":"${DEV_SMS_AUTH_TOKEN}"`] });
  return runService({
    name: 'notifier',
    config,
    needsTransactions: 'the notifier (deliveries and their outcomes)',
    module: () => NotifierModule,
    openApi: notifierOpenApi,
    consumers: NOTIFIER_CONSUMERS,
    ...options,
  });
}
