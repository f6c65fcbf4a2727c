export * from './dev-identity-provider.js';
export * from './dev-token-client.js';
