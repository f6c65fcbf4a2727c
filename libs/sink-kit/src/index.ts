export * from './http-util.js';
export * from './log.js';
export * from './env.js';
export * from './run-sink.js';
