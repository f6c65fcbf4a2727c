export * from './env-decorators.js';
export * from './load-config.js';
export * from './base-service-config.js';
export * from './runtime-mode.js';
export * from './runtime-mode-fields.js';
export * from './relay-config.js';
