export * from './dev-identity-provider.js';
