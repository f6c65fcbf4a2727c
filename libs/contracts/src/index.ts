export * from './envelope.js';
export * from './event-definition.js';
export * from './event-catalog.js';
export * from './catalog.js';
export * from './subjects.js';
export * from './asyncapi.js';
export * as inventory from './inventory/sku-events.js';
