export * from './eventstoredb-event-store.js';
export * from './esdb-mapping.js';
