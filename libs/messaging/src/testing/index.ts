export * from './nats-test-namespace.js';
export * from './test-envelope.js';
