import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import { decodeCursor, encodeCursor, type CursorFormat, type CursorKey, type CursorKeyKind } from './cursor.js';
import { DEFAULT_PAGE_LIMIT, type PageQuery } from './page-query.js';

/** The one shape of every list answer. `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What a list query asks for: how many, and the key to start after (null: from the start). */
export interface PageRequest<Kinds extends readonly CursorKeyKind[]> {
  readonly limit: number;
  readonly after: CursorKey<Kinds> | null;
}

/** Reads `limit` (validated by `PageQuery`) and `cursor` (400 unless this list issued it). */
export function pageRequest<Kinds extends readonly CursorKeyKind[]>(format: CursorFormat<Kinds>, query: PageQuery): PageRequest<Kinds> {
  return { limit: query.limit ?? DEFAULT_PAGE_LIMIT, after: query.cursor === undefined ? null : decodeCursor(format, query.cursor) };
}

/**
 * The page from rows fetched with `LIMIT limit + 1`, in the list's order: the extra row only says
 * that there is a next page, whose cursor is the key of the page's last item.
 */
export function pageOf<Row, Item, Kinds extends readonly CursorKeyKind[]>(
  format: CursorFormat<Kinds>,
  rows: readonly Row[],
  limit: number,
  keyOf: (row: Row) => CursorKey<Kinds>,
  toItem: (row: Row) => Item,
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(toItem), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(format, keyOf(last)) : null };
}

/** OpenAPI: a 200 answer of `{ items: Item[], nextCursor }`. */
export function ApiPageResponse(item: Type<unknown>, description?: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      ...(description ? { description } : {}),
      schema: {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: {
          items: { type: 'array', items: { $ref: getSchemaPath(item) } },
          nextCursor: { type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' },
        },
      },
    }),
  );
}
