export * from './http-util.js';
export * from './log.js';
export * from './env.js';
export * from './run-sink.js';
export * from './sink-api.js';
export * from './contact-codes.js';
