export * from './event-store-contract.js';
export * from './contract-test-catalog.js';
export * from './prototype-member-names.js';
