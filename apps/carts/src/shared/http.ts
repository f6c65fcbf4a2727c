import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { entityTag } from '@stockflow/platform';

/** The part of Fastify's reply a controller uses (`@Res({ passthrough: true })`). */
export interface ReplyLike {
  header(name: string, value: string): unknown;
}

export function setEntityTag(reply: ReplyLike, version: number): void {
  reply.header('etag', entityTag(version));
}

class FieldErrorDocument {
  @ApiProperty({ example: 'quantity' })
  field!: string;

  @ApiProperty({ type: [String], example: ['quantity must not be greater than 10000'] })
  messages!: string[];
}

/** The platform's error body (RFC 9457), for the OpenAPI document. */
export class ProblemDocument {
  @ApiProperty({ example: 'https://stockflow.dev/problems/validation' })
  type!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  status!: number;

  @ApiProperty()
  detail!: string;

  @ApiProperty()
  instance!: string;

  @ApiPropertyOptional({ description: 'Why the domain refused the command, e.g. cart-checked-out' })
  code?: string;

  @ApiPropertyOptional({ type: [FieldErrorDocument], description: 'One entry per invalid field' })
  errors?: FieldErrorDocument[];

  @ApiProperty()
  correlationId!: string;

  @ApiProperty()
  traceId!: string;
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: malformed JSON, or fields (`errors`) or path parameters that fail validation',
  404: 'No such cart (or line)',
  409: 'The cart is checked out and closed (code cart-checked-out), or a concurrent change won',
  412: 'If-Match names a version that is no longer current',
  413: 'The body is larger than 1 MiB',
  415: 'The body is not JSON',
  422: 'A business rule refused the command (see code), or an Idempotency-Key was reused for another request',
};

/** Documents the problem+json answers of an operation. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDocument, FieldErrorDocument),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDocument) } } },
      }),
    ),
  );
}

export const ApiIfMatch = (): MethodDecorator & ClassDecorator =>
  ApiHeader({ name: 'If-Match', required: false, description: 'The ETag of the version this change is based on; stale → 412' });

export const ApiIdempotencyKey = (): MethodDecorator & ClassDecorator =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retries with the same key and request get the first result again' });

export const etagHeader = { ETag: { description: 'The cart version as an entity tag, e.g. "3"', schema: { type: 'string' } } };
