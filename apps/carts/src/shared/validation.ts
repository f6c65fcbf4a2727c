import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isSku, MAX_ID_LENGTH } from '@stockflow/contracts';

// Control characters and unpaired surrogates cannot be stored in PostgreSQL jsonb (a NUL or a lone
// surrogate escape fails the insert), so identifiers refuse them here, as a 400 on their field.
const hasControlCharacter = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
};
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** An opaque identifier: 1–64 UTF-16 code units (the contracts' measure), printable, well-formed. */
export function IsIdentifier(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIdentifier',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH && value.trim() !== '' && !hasControlCharacter(value) && !LONE_SURROGATE.test(value),
        defaultMessage: () => `$property must be a string of 1 to ${MAX_ID_LENGTH} characters, not blank, without control characters`,
      },
    },
    options,
  );
}

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
