export * from './entity-tag.js';
export * from './http-idempotency-store.js';
export * from './idempotency.interceptor.js';
export * from './no-body.pipe.js';
