// The notifier: consumes inventory's availability transitions from JetStream (durable
// `notifier-inventory`), plans fair back-in-stock waves and availability alerts, and delivers them
// by email (SMTP), SMS (Twilio-shaped HTTP providers with failover) and the web inbox. It shares the
// notifications context's schema (DB_SCHEMA, default `notifications`; ADR 0007).
import 'reflect-metadata';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { NotifierConfig } from './notifier-config.js';
import { startNotifierService } from './notifier-service.js';

async function main(): Promise<void> {
  const config = loadConfig(NotifierConfig, process.env, { service: 'notifier' });
  const running = await startNotifierService(config);
  running.service.logger.info({ url: running.url, schema: config.DB_SCHEMA }, `notifier listening on ${running.url}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `notifier: ${error.message}` : error);
  process.exit(1);
});
