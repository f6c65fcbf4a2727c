export * from './contact-row.js';
export * from './notifications-migrations.js';
export * from './notifier-migrations.js';
export * from './read-model-rows.js';
export * from './read-model-rebuild.js';
export * from './sms-status-reports.js';
