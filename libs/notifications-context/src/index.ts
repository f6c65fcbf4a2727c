export * from './domain/stream-ids.js';
export * from './domain/rules.js';
export * from './domain/preferences.js';
export * from './domain/subscription.js';
export * from './domain/phone.js';
export * from './domain/contact.js';
export * from './domain/quiet-hours.js';
export * from './domain/wave-planning.js';
