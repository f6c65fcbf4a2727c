import { describe, expect, it } from '@jest/globals';
import { ProblemDetailsException } from '../problem-details/problem-details.js';
import { cursorFormat, decodeCursor, encodeCursor } from './cursor.js';
import { pageOf, pageRequest } from './page.js';

const byTimeAndId = cursorFormat('test.events', ['timestamp', 'integer'] as const);
const bySku = cursorFormat('test.stock', ['text'] as const);

const raw = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function problemOf(run: () => unknown): { status: number; errors: unknown } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemDetailsException);
    const { status, errors } = (error as ProblemDetailsException).problem;
    return { status, errors };
  }
  throw new Error('expected a problem');
}

describe('keyset cursors', () => {
  it('round-trip the key they were made from, as URL-safe text', () => {
    const cursor = encodeCursor(byTimeAndId, ['2026-12-02T13:14:15.123456Z', 42]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(byTimeAndId, cursor)).toEqual(['2026-12-02T13:14:15.123456Z', 42]);
    expect(decodeCursor(bySku, encodeCursor(bySku, ['SKU-1']))).toEqual(['SKU-1']);
  });

  it.each([
    ['not base64url', '%00'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['not an array', raw({ list: 'test.stock' })],
    ["another list's cursor", encodeCursor(byTimeAndId, ['2026-01-01T00:00:00.000Z', 1])],
    ['a key of the wrong length', raw(['test.stock', 'a', 'b'])],
    ['a number where text goes', raw(['test.stock', 7])],
    ['a NUL in text', raw(['test.stock', 'a\u0000b'])],
    ['text too long', raw(['test.stock', 'x'.repeat(257)])],
  ])('refuse %s with 400 on the field cursor', (_name, cursor) => {
    expect(problemOf(() => decodeCursor(bySku, cursor))).toEqual({ status: 400, errors: [{ field: 'cursor', messages: ['cursor must be a nextCursor this list returned'] }] });
  });

  it.each([
    ['a date that does not exist', ['2026-02-31T00:00:00.000Z', 1]],
    ['year zero', ['0000-01-01T00:00:00.000Z', 1]],
    ['a local time', ['2026-01-01T00:00:00', 1]],
    ['a negative id', ['2026-01-01T00:00:00.000Z', -1]],
    ['an unsafe integer', ['2026-01-01T00:00:00.000Z', 2 ** 60]],
    ['a fraction', ['2026-01-01T00:00:00.000Z', 1.5]],
  ])('refuse %s in a timestamp key', (_name, key) => {
    expect(problemOf(() => decodeCursor(byTimeAndId, raw(['test.events', ...key]))).status).toBe(400);
  });
});

describe('pages', () => {
  const rows = ['a', 'b', 'c', 'd', 'e'].map((sku) => ({ sku }));

  it('walk every row once, in order, with the default limit when none is asked', () => {
    expect(pageRequest(bySku, {})).toEqual({ limit: 50, after: null });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const { limit, after } = pageRequest(bySku, { limit: 2, ...(cursor ? { cursor } : {}) });
      const fetched = rows.filter((r) => after === null || r.sku > after[0]).slice(0, limit + 1);
      const page = pageOf(bySku, fetched, limit, (r) => [r.sku], (r) => r.sku);
      seen.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('say there is no next page when the rows fit', () => {
    expect(pageOf(bySku, rows.slice(0, 2), 2, (r) => [r.sku], (r) => r.sku)).toEqual({ items: ['a', 'b'], nextCursor: null });
    expect(pageOf(bySku, [], 2, (r: { sku: string }) => [r.sku], (r) => r.sku)).toEqual({ items: [], nextCursor: null });
  });
});
