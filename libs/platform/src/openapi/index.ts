export * from './openapi-document.js';
export * from './offline-document.js';
export * from './http-conventions-document.js';
export * from './document-problems.js';
export * from './field-examples.js';
