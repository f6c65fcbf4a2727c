export * from './api-client.js';
export * from './api-documents.js';
export type * as OrdersApi from './generated/orders.js';
export type * as InventoryApi from './generated/inventory.js';
export type * as CartsApi from './generated/carts.js';
export type * as NotificationsApi from './generated/notifications.js';
export type * as NotifierApi from './generated/notifier.js';
export type * as ProjectionsApi from './generated/projections.js';
