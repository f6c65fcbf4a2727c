import { ProblemDetailsException, ProblemTypes } from '../problem-details/problem-details.js';

/**
 * The kinds of value a keyset cursor holds. Each is checked on the way in so that nothing a client
 * made up reaches the database as a value it would refuse (a NUL in text, a 31st of February).
 */
export type CursorKeyKind = 'text' | 'integer' | 'timestamp';

type ValueOf<K extends CursorKeyKind> = K extends 'integer' ? number : string;

/** The values of a key, in the order of the list's `ORDER BY`. */
export type CursorKey<Kinds extends readonly CursorKeyKind[]> = { -readonly [I in keyof Kinds]: ValueOf<Kinds[I]> };

/**
 * How one list's cursors look: its name (a cursor of another list is refused) and the kinds of
 * its key's values. Cursors are opaque to clients: base64url of `[list, ...key]` as JSON.
 */
export interface CursorFormat<Kinds extends readonly CursorKeyKind[]> {
  readonly list: string;
  readonly kinds: Kinds;
}

export function cursorFormat<const Kinds extends readonly CursorKeyKind[]>(list: string, kinds: Kinds): CursorFormat<Kinds> {
  return { list, kinds };
}

/** Longest cursor accepted; every key this project pages by encodes to far less. */
export const MAX_CURSOR_LENGTH = 512;
/** base64url without padding: what `encodeCursor` writes, and all that `decodeCursor` reads. */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]+$/;

const MAX_TEXT_LENGTH = 256;
const TIMESTAMP = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

export function encodeCursor<Kinds extends readonly CursorKeyKind[]>(format: CursorFormat<Kinds>, key: CursorKey<Kinds>): string {
  return Buffer.from(JSON.stringify([format.list, ...(key as unknown[])]), 'utf8').toString('base64url');
}

/** The key a cursor carries, or a 400 problem (field `cursor`) when this list did not issue it. */
export function decodeCursor<Kinds extends readonly CursorKeyKind[]>(format: CursorFormat<Kinds>, cursor: string): CursorKey<Kinds> {
  const values = parse(cursor);
  if (!values || values.length !== format.kinds.length + 1 || values[0] !== format.list) throw badCursor();
  const key = values.slice(1);
  if (!key.every((value, i) => isValid(format.kinds[i]!, value))) throw badCursor();
  return key as CursorKey<Kinds>;
}

function parse(cursor: string): unknown[] | null {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !CURSOR_PATTERN.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function isValid(kind: CursorKeyKind, value: unknown): boolean {
  switch (kind) {
    case 'text':
      return typeof value === 'string' && value.length <= MAX_TEXT_LENGTH && !value.includes('\u0000');
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'timestamp':
      return typeof value === 'string' && isTimestamp(value);
  }
}

/** An ISO 8601 UTC instant that names a real date (JavaScript would roll 02-31 over to March). */
function isTimestamp(value: string): boolean {
  const match = TIMESTAMP.exec(value);
  if (!match || Number(match[1]) < 1) return false;
  const parsed = new Date(value);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 19) === value.slice(0, 19);
}

function badCursor(): ProblemDetailsException {
  return new ProblemDetailsException({
    status: 400,
    type: ProblemTypes.validation,
    title: 'Request validation failed',
    detail: 'One field is invalid: cursor.',
    errors: [{ field: 'cursor', messages: ['cursor must be a nextCursor this list returned'] }],
  });
}
