export * from './nats-test-namespace.js';
export * from './test-envelope.js';
export * from './private-nats-server.js';
