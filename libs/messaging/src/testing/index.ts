export * from './nats-test-namespace.js';
