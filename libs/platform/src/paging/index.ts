export * from './cursor.js';
export * from './page-query.js';
export * from './page.js';
export * from './read-all-pages.js';
