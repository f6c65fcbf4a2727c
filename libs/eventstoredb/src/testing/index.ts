export * from './simulated-esdb-client.js';
