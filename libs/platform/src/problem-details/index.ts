export * from './problem-details.js';
export * from './problem-details.filter.js';
export * from './validation.js';
export * from './dependency-unavailable.js';
export * from './problem-document.js';
