export * from './http-util.js';
export * from './log.js';
