import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CURSOR_PATTERN, MAX_CURSOR_LENGTH } from './cursor.js';

/** Page size when a list request names none. */
export const DEFAULT_PAGE_LIMIT = 50;
/** The largest page any list answers. */
export const MAX_PAGE_LIMIT = 500;

const integer = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value);

/**
 * `?limit=&cursor=` of every list endpoint; a list's own filters extend it. The global
 * ValidationPipe turns a bad value into a 400 problem, and `decodeCursor` refuses a
 * well-formed cursor the list did not issue.
 */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT, description: 'Items per page' })
  @IsOptional()
  @Transform(integer)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque: the `nextCursor` of the previous page; omit it for the first page', maxLength: MAX_CURSOR_LENGTH, pattern: CURSOR_PATTERN.source })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  @Matches(CURSOR_PATTERN, { message: 'cursor must be a nextCursor this list returned' })
  cursor?: string;
}
