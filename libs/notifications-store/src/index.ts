export * from './contact-row.js';
export * from './notifications-migrations.js';
export * from './notifier-migrations.js';
