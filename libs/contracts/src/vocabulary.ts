// The words every context shares: what a SKU code and an id look like. The APIs that take them
// check them with these, and the event schemas that carry them say the same (one definition).
import { Type } from '@sinclair/typebox';

/** Longest id another context issues (customer, cart and order ids): 1–64 UTF-16 code units. */
export const MAX_ID_LENGTH = 64;

export const SKU_MAX_LENGTH = 64;
/** A SKU code as inventory issues it: 1–64 letters, digits, `.`, `_` or `-`. */
export const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function isSku(value: unknown): value is string {
  return typeof value === 'string' && SKU_PATTERN.test(value);
}

/** Ids stockflow issues itself (subscriptions, deliveries, events): a lower-case UUID. */
export const LOWER_UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** A SKU code in an event payload. */
export const Sku = Type.String({ minLength: 1, maxLength: SKU_MAX_LENGTH, pattern: SKU_PATTERN.source, description: 'Stock-keeping unit code' });

/** An opaque id of another context in an event payload (customer, cart or order id). */
export const EntityId = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH });
