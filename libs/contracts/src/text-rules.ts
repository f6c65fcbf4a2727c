// What text stockflow accepts at its edge (ADR 0027). One identifier rule for every id a caller
// names (customer, cart and order ids, path and query parameters), and one rule for all other text
// (reasons, names): whatever PostgreSQL can store. Pure functions: the services' validators, the
// platform's request-shape guard and the domain use the same ones.
import { MAX_ID_LENGTH } from './vocabulary.js';

/** An unpaired UTF-16 surrogate: not a character; PostgreSQL refuses it in text and jsonb (22P05). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Characters an identifier may not contain: control characters (C0, DEL, C1: newlines, tabs, NUL),
 * format characters (zero-width spaces and joiners, the byte-order mark, soft hyphen, bidi marks,
 * embeddings, overrides and isolates — they make two different ids look the same, or reorder what
 * an operator reads), line and paragraph separators, and private-use characters.
 */
const NOT_IN_IDENTIFIER = /[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]/u;

/** The identifier rule, in words (validation messages and the OpenAPI documents say it). */
export const IDENTIFIER_RULE = `1 to ${MAX_ID_LENGTH} characters, not blank, printable (no control, zero-width or bidi characters)`;

/** Whether PostgreSQL can store `value` as text or jsonb: no NUL, no unpaired surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/**
 * An opaque identifier another context or a caller chose (customer, cart, order ids): 1–64 UTF-16
 * code units, not blank, storable, and printable — no control, format (zero-width, bidi), separator
 * or private-use characters.
 */
export function isIdentifier(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= MAX_ID_LENGTH &&
    value.trim() !== '' &&
    !NOT_IN_IDENTIFIER.test(value) &&
    isStorableText(value)
  );
}
