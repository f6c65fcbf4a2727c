export { callerIdentity, installRateLimits, RateLimitGuard, type InstalledRateLimits, type RateLimitSettings } from './rate-limit.js';
