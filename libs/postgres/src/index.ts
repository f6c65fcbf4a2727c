export * from './pool.js';
export * from './migrator.js';
export * from './event-store-migrations.js';
export * from './postgres-event-store.js';
export * from './postgres-checkpoint-store.js';
export * from './idempotent-inbox.js';
export * from './test-schema.js';
export * from './transaction.js';
