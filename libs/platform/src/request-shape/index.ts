export * from './request-shape.js';
export * from './identifier.js';
export * from './request-bounds.js';
export * from './declared-query.js';
