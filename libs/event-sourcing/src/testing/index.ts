export * from './event-store-contract.js';
export * from './contract-test-catalog.js';
