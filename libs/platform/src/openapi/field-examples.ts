/**
 * Examples of the fields the stockflow APIs share by name (ADR 0013: one vocabulary on every side),
 * written once: the OpenAPI documents take a property's example from here when its decorator gives
 * none, so `orderId` reads the same in orders, carts and the projections. A field that means
 * something else in one place gives its own example in its `@ApiProperty`.
 */
export const FIELD_EXAMPLES: Readonly<Record<string, unknown>> = {
  // Ids
  orderId: '0b7e6a52-4d1f-4c8e-9a51-2f3d7c9e8b10',
  cartId: '6f1c2d3e-8a9b-4c5d-8e7f-1a2b3c4d5e6f',
  customerId: 'customer-42',
  sku: 'SKU-123',
  subscriptionId: '3a9d5c1e-7b2f-4e6a-8c0d-9f1e2b3c4d5a',
  deliveryId: '9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6a',
  eventId: '2e4f6a8c-0b1d-4e3f-9a5c-7e9b1d3f5a7c',
  notificationId: 1017,
  // Versions and paging
  version: 3,
  nextCursor: 'WyJzdG9jayIsIlNLVS0xMjMiXQ',
  // Problem documents (RFC 9457)
  title: 'Bad Request',
  status: 400,
  detail: 'The request has invalid fields; see errors',
  instance: '/orders',
  code: 'cart-checked-out',
  correlationId: '0f3c2b7e9d4a4e1b',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  // Stock
  onHand: 12,
  reserved: 2,
  available: 10,
  lowStockThreshold: 3,
  quantity: 2,
  delta: -2,
  totalQuantity: 3,
  waiting: 4,
  // Times
  at: '2026-12-03T10:15:30.123Z',
  createdAt: '2026-12-03T10:15:30.123Z',
  updatedAt: '2026-12-03T10:16:02.456Z',
  placedAt: '2026-12-03T10:15:30.123Z',
  subscribedAt: '2026-12-01T08:00:00.000Z',
  endedAt: '2026-12-03T10:16:02.456Z',
  sentAt: '2026-12-03T10:15:31.002Z',
  heldUntil: '2026-12-03T22:00:00.000Z',
  nextAttemptAt: '2026-12-03T10:15:35.000Z',
  providerStatusAt: '2026-12-03T10:15:33.870Z',
  firstSeenAt: '2026-12-03T09:58:12.000Z',
  lastSeenAt: '2026-12-03T10:12:40.000Z',
  // Notifications
  email: 'a***@example.com',
  phone: '+49151*****789',
  body: 'SKU-123 is back in stock: 12 available.',
  link: 'https://shop.example.com/products/SKU-123',
  kind: 'back-in-stock',
  attempt: 1,
  attempts: 1,
  provider: 'smtp',
  providerMessageId: '<e3b0c442@stockflow>',
  recipient: 'a***@example.com',
  lastError: 'EAUTH 535 authentication failed',
  lastSource: 'inventory.sku.BackInStock',
  reason: 'customer changed their mind',
  count: 2,
  delivered: 120,
  failed: 1,
  undelivered: 2,
  lastLatencyMs: 240,
};
