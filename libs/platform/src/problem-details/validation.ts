import { ValidationPipe, type ValidationError, type ValidationPipeOptions } from '@nestjs/common';
import { ProblemDetailsException, ProblemTypes, type FieldError } from './problem-details.js';

/** Field name of an error about the value as a whole (e.g. a body that is not an object). */
export const ROOT_FIELD = '$';

/**
 * Flattens class-validator's error tree into one entry per field, with dotted and indexed paths:
 * `customer.email`, `lines[0].quantity`, `tags[2]`. Messages of the same field are merged.
 */
export function flattenValidationErrors(errors: readonly ValidationError[]): FieldError[] {
  const byField = new Map<string, string[]>();
  const walk = (nodes: readonly ValidationError[], path: string, parentValue: unknown): void => {
    for (const node of nodes) {
      const field = joinPath(path, node.property, parentValue);
      const messages = Object.values(node.constraints ?? {});
      if (messages.length > 0) {
        const known = byField.get(field || ROOT_FIELD) ?? [];
        for (const message of messages) if (!known.includes(message)) known.push(message);
        byField.set(field || ROOT_FIELD, known);
      }
      if (node.children?.length) walk(node.children, field, node.value);
    }
  };
  walk(errors, '', undefined);
  return [...byField].map(([field, messages]) => ({ field, messages }));
}

function joinPath(path: string, property: string | undefined, parentValue: unknown): string {
  if (property === undefined || property === '') return path;
  const collection = Array.isArray(parentValue) || parentValue instanceof Set || parentValue instanceof Map;
  if (collection && /^\d+$/.test(property)) return `${path}[${property}]`;
  if (!path) return property;
  return `${path}.${property}`;
}

/** The 400 problem for validation errors: `errors` lists every invalid field. */
export function validationProblem(errors: readonly ValidationError[]): ProblemDetailsException {
  const fields = flattenValidationErrors(errors);
  const names = fields.map((f) => f.field);
  return new ProblemDetailsException({
    status: 400,
    type: ProblemTypes.validation,
    title: 'Request validation failed',
    detail: `${fields.length === 1 ? 'One field is' : `${fields.length} fields are`} invalid: ${names.join(', ')}.`,
    errors: fields,
  });
}

/**
 * The platform's ValidationPipe: strips nothing silently (`whitelist` + `forbidNonWhitelisted`
 * reject unknown fields), transforms payloads into their DTO classes, and answers 400
 * problem+json with field-level `errors`.
 */
export function createValidationPipe(overrides: ValidationPipeOptions = {}): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => validationProblem(errors),
    ...overrides,
  });
}
