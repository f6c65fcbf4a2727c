import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isSku } from '@stockflow/contracts';

// Customer ids follow the contracts' identifier rule, one decorator for every service (ADR 0027).
export { IsIdentifier } from '@stockflow/platform';

/** A SKU: 1–64 of `A–Z a–z 0–9 . _ -`. */
export function IsSku(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSku',
      validator: {
        validate: isSku,
        defaultMessage: () => '$property must be 1 to 64 letters, digits, ".", "_" or "-"',
      },
    },
    options,
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cart id: a UUID as this service issues them (any case; handlers see it lower-cased). */
export function IsCartId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCartId',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && UUID.test(value),
        defaultMessage: () => '$property must be a cart id (a UUID such as 0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e)',
      },
    },
    options,
  );
}
