export * from './projection.js';
export * from './stock.projection.js';
export * from './customer-orders.projection.js';
export * from './cart.projection.js';
export * from './notification-deliveries.projection.js';
export * from './sku-activity.projection.js';
export * from './sku-waiting.projection.js';
