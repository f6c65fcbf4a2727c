export * from './infrastructure.js';
export * from './metered-event-store.js';
export * from './run-event-sourced-service.js';
