import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

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

/**
 * A service's `@ApiProblems(...statuses)` decorator: documents the problem+json answers of an
 * operation, each status with the service's own description of when it happens.
 */
export function problemResponses(descriptions: Readonly<Record<number, string>>): (...statuses: number[]) => MethodDecorator & ClassDecorator {
  return (...statuses) =>
    applyDecorators(
      ApiExtraModels(ProblemDocument, FieldErrorDocument),
      ...statuses.map((status) =>
        ApiResponse({
          status,
          description: descriptions[status] ?? 'Problem',
          content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDocument) } } },
        }),
      ),
    );
}

/** Documents the `Idempotency-Key` header every POST honours. */
export const ApiIdempotencyKey = (): MethodDecorator & ClassDecorator =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retries with the same key and request get the first result again' });
