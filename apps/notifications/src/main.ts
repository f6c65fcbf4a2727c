// The notifications service: preferences, subscriptions, the web inbox and its live stream, one-click
// unsubscribe and the SMS keyword webhook. Its events live in its own schema (DB_SCHEMA, default
// `notifications`) and are relayed to NOTIFICATIONS_EVENTS by `relay` with RELAY_CONTEXT=notifications;
// the notifier (apps/notifier) shares the schema (ADR 0007).
import 'reflect-metadata';
import { runMain } from '@stockflow/platform';
import { NotificationsConfig } from './notifications-config.js';
import { startNotificationsService } from './notifications-service.js';

runMain('notifications', NotificationsConfig, (config) => startNotificationsService(config));
