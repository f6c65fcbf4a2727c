import { refuseDevelopmentSecrets, relayHostingOf, runService, type RunningService, type StartOptions } from '@stockflow/platform';
import { DEV_UNSUBSCRIBE_SECRET, NotificationsConfig } from './notifications-config.js';
import { NotificationsModule, notificationsOpenApi } from './notifications.module.js';

/**
 * Starts the notifications service: its schema (event store, read models, HTTP idempotency), NATS and
 * the REST API with the live inbox. Outside development it refuses to start with the development
 * unsubscribe secret (ADR 0027).
 */
export async function startNotificationsService(config: NotificationsConfig, options: StartOptions = {}): Promise<RunningService> {
  refuseDevelopmentSecrets('notifications', config, { UNSUBSCRIBE_SECRET: [DEV_UNSUBSCRIBE_SECRET] });
  return runService({
    name: 'notifications',
    config,
    relay: relayHostingOf(config, 'notifications'),
    needsTransactions: 'the notifications API',
    module: () => NotificationsModule,
    openApi: notificationsOpenApi,
    ...options,
  });
}
