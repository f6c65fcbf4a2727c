// The notifier: consumes inventory's availability transitions from JetStream (durable
// `notifier-inventory`), plans fair back-in-stock waves and availability alerts, and delivers them
// by email (SMTP), SMS (Twilio-shaped HTTP providers with failover) and the web inbox. It shares the
// notifications context's schema (DB_SCHEMA, default `notifications`; ADR 0007).
import 'reflect-metadata';
import { runMain } from '@stockflow/platform';
import { NotifierConfig } from './notifier-config.js';
import { startNotifierService } from './notifier-service.js';

runMain('notifier', NotifierConfig, (config) => startNotifierService(config));
