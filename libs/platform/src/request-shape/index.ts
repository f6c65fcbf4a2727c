export * from './request-shape.js';
export * from './identifier.js';
