import { EventCatalog } from './event-catalog.js';
import { cartEvents } from './carts/cart-events.js';
import { skuEvents } from './inventory/sku-events.js';
import { orderEvents } from './orders/order-events.js';
import { orderSagaEvents } from './orders/order-saga-events.js';
import { customerEvents } from './notifications/customer-events.js';
import { phoneEvents } from './notifications/phone-events.js';
import { subscriptionEvents } from './notifications/subscription-events.js';
import { deliveryEvents } from './notifications/delivery-events.js';

/** Every event stockflow publishes. New contexts add their definitions here. */
export const allEventDefinitions = [
  ...skuEvents,
  ...cartEvents,
  ...orderEvents,
  ...orderSagaEvents,
  ...customerEvents,
  ...subscriptionEvents,
  ...phoneEvents,
  ...deliveryEvents,
];

export const stockflowCatalog = new EventCatalog(allEventDefinitions);
