export * from './service-metrics.js';
export * from './metrics.controller.js';
export * from './http-metrics.js';
export * from './consumer-observer.js';
