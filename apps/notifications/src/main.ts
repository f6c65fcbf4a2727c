// The notifications service: preferences, subscriptions, the web inbox and its live stream, one-click
// unsubscribe and the SMS keyword webhook. Its events live in its own schema (DB_SCHEMA, default
// `notifications`) and are relayed to NOTIFICATIONS_EVENTS by `relay` with RELAY_CONTEXT=notifications;
// the notifier (apps/notifier) shares the schema (ADR 0007).
import 'reflect-metadata';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { NotificationsConfig } from './notifications-config.js';
import { startNotificationsService } from './notifications-service.js';

async function main(): Promise<void> {
  const config = loadConfig(NotificationsConfig, process.env, { service: 'notifications' });
  const running = await startNotificationsService(config);
  running.service.logger.info({ url: running.url, schema: config.DB_SCHEMA }, `notifications listening on ${running.url}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `notifications: ${error.message}` : error);
  process.exit(1);
});
