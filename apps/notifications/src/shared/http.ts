import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** The part of Fastify's reply a controller uses (`@Res({ passthrough: true })`). */
export interface ReplyLike {
  header(name: string, value: string): unknown;
}

class FieldErrorDocument {
  @ApiProperty({ example: 'phone' })
  field!: string;

  @ApiProperty({ type: [String], example: ['phone must be an E.164 phone number such as +4915123456789'] })
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

  @ApiPropertyOptional({ description: 'Why the domain refused the command, e.g. already-subscribed' })
  code?: string;

  @ApiPropertyOptional({ type: [FieldErrorDocument], description: 'One entry per invalid field' })
  errors?: FieldErrorDocument[];

  @ApiProperty()
  correlationId!: string;

  @ApiProperty()
  traceId!: string;
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: malformed JSON, or fields (`errors`), path parameters or headers that fail validation',
  403: 'The webhook signature is missing or wrong',
  404: 'No such customer preferences, subscription or notification',
  409: 'The state forbids it (see code): already subscribed, subscription fulfilled',
  413: 'The body is larger than 1 MiB',
  415: 'The body is not JSON (or, for webhooks, not form-encoded)',
  422: 'An Idempotency-Key was reused for another request',
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

export const ApiIdempotencyKey = (): MethodDecorator & ClassDecorator =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retries with the same key and request get the first result again' });
