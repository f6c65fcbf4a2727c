import { runService, type RunningService, type StartOptions } from '@stockflow/platform';
import { NotificationsConfig } from './notifications-config.js';
import { NotificationsModule, notificationsOpenApi } from './notifications.module.js';

/**
 * Starts the notifications service: its schema (event store, read models, HTTP idempotency), NATS and
 * the REST API with the live inbox.
 */
export function startNotificationsService(config: NotificationsConfig, options: StartOptions = {}): Promise<RunningService> {
  return runService({ name: 'notifications', config, module: () => NotificationsModule, openApi: notificationsOpenApi, ...options });
}
