export * from './config/index.js';
export * from './problem-details/index.js';
export * from './logging/index.js';
export * from './tracing/index.js';
export * from './metrics/index.js';
export * from './health/index.js';
export * from './platform.module.js';
export * from './bootstrap.js';
