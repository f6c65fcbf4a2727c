export * from './system-manifest.js';
export * from './dependency-check.js';
export * from './running-system.js';
export * from './port-offset.js';
export * from './isolated-system.js';
