import { runEventSourcedService, type RunningService } from '@stockflow/platform';
import { NotificationsConfig } from './notifications-config.js';
import { NotificationsModule, notificationsOpenApi } from './notifications.module.js';

export interface StartNotificationsOptions {
  /** Overrides config.PORT (0: any free port). */
  readonly port?: number;
  /** Stop on SIGTERM/SIGINT (default true; in-process tests pass false). */
  readonly handleSignals?: boolean;
}

/**
 * Starts the notifications service: its schema (event store, read models, HTTP idempotency), NATS and
 * the REST API with the live inbox.
 */
export function startNotificationsService(config: NotificationsConfig, options: StartNotificationsOptions = {}): Promise<RunningService> {
  return runEventSourcedService({ name: 'notifications', config, module: () => NotificationsModule, openApi: notificationsOpenApi, ...options });
}
