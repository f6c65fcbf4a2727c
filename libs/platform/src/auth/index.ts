export * from './caller.js';
export * from './token-verifier.js';
export * from './stream-tickets.js';
export * from './access.js';
export * from './auth.guard.js';
export * from './stream-tickets.controller.js';
export * from './openapi-security.js';
export * from './auth-config.js';
