export * from './trace-context.js';
export * from './request-context.js';
export * from './fastify-hooks.js';
export * from './caused-by.js';
export * from './telemetry.js';
