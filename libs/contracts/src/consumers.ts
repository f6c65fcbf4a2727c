/**
 * A durable JetStream consumer of stockflow's own: which process runs it, which stream and
 * aggregate it reads (`[<ns>.]<sourceContext>.<aggregate>.>`) and the event types its handlers act
 * on (it acknowledges the others unread). The AsyncAPI document's `receive` operations, the
 * per-process NATS permissions and the operator tools read this list; each app's handlers are
 * held to it by its own test.
 */
export interface EventConsumer {
  readonly durable: string;
  readonly process: string;
  readonly sourceContext: string;
  readonly aggregate: string;
  readonly handles: readonly string[];
  readonly purpose: string;
}

export const EVENT_CONSUMERS: readonly EventConsumer[] = [
  {
    durable: 'orders-saga-orders',
    process: 'orders',
    sourceContext: 'orders',
    aggregate: 'order',
    handles: ['OrderPlaced', 'OrderCancelled'],
    purpose: 'starts the order saga for a placed order, and releases the reservations of a cancelled one',
  },
  {
    durable: 'orders-saga-inventory',
    process: 'orders',
    sourceContext: 'inventory',
    aggregate: 'sku',
    handles: ['StockReserved', 'StockReservationRejected'],
    purpose: "records inventory's answer to each reservation the saga asked for",
  },
  {
    durable: 'orders-from-carts',
    process: 'orders',
    sourceContext: 'carts',
    aggregate: 'cart',
    handles: ['CartCheckedOut'],
    purpose: "places the order of a checked-out cart under the cart's order id",
  },
  {
    durable: 'inventory-reservations',
    process: 'inventory',
    sourceContext: 'orders',
    aggregate: 'ordersaga',
    handles: ['ReservationRequested', 'ReservationReleaseRequested'],
    purpose: 'reserves or releases stock for the order saga',
  },
  {
    durable: 'notifier-inventory',
    process: 'notifier',
    sourceContext: 'inventory',
    aggregate: 'sku',
    handles: ['SkuRegistered', 'StockLevelChanged', 'BackInStock', 'OutOfStock', 'LowStock'],
    purpose: "tells the subscribers of a SKU on their channels when it is back in stock or running low",
  },
  {
    durable: 'projections-stock',
    process: 'projections',
    sourceContext: 'inventory',
    aggregate: 'sku',
    handles: ['SkuRegistered', 'StockLevelChanged'],
    purpose: 'the stock read model',
  },
  {
    durable: 'projections-customer-orders',
    process: 'projections',
    sourceContext: 'orders',
    aggregate: 'order',
    handles: ['OrderPlaced', 'OrderConfirmed', 'OrderRejected', 'OrderCancelled'],
    purpose: "each customer's orders",
  },
  {
    durable: 'projections-carts',
    process: 'projections',
    sourceContext: 'carts',
    aggregate: 'cart',
    handles: ['CartCreated', 'CartLineSet', 'CartLineRemoved', 'CartCheckedOut'],
    purpose: 'the carts read model',
  },
  {
    durable: 'projections-notification-deliveries',
    process: 'projections',
    sourceContext: 'notifications',
    aggregate: 'delivery',
    handles: ['NotificationDelivered', 'NotificationFailed', 'SmsDeliveryReported'],
    purpose: 'notification deliveries per channel',
  },
  {
    durable: 'projections-sku-activity',
    process: 'projections',
    sourceContext: 'inventory',
    aggregate: 'sku',
    handles: [
      'SkuRegistered',
      'StockReceived',
      'StockAdjusted',
      'StockReserved',
      'StockReservationRejected',
      'ReservationReleased',
      'ReservationCommitted',
      'OutOfStock',
      'BackInStock',
      'LowStock',
    ],
    purpose: "a SKU's recent events and open reservations",
  },
  {
    durable: 'projections-sku-waiting',
    process: 'projections',
    sourceContext: 'notifications',
    aggregate: 'subscription',
    handles: ['SubscriptionCreated', 'SubscriptionCancelled', 'SubscriptionFulfilled'],
    purpose: 'how many customers wait for each SKU',
  },
];

/** The consumers a process runs. */
export function consumersOf(process: string): EventConsumer[] {
  return EVENT_CONSUMERS.filter((consumer) => consumer.process === process);
}
