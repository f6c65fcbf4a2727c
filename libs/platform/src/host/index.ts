export * from './event-store-factory.js';
export * from './infrastructure.js';
export * from './metered-event-store.js';
export * from './run-main.js';
export * from './run-service.js';
export * from './consumer-contract.js';
export * from './hosted-relay.js';
