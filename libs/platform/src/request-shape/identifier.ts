import { ValidateBy, type ValidationOptions } from 'class-validator';
import { IDENTIFIER_RULE, isIdentifier, MAX_ID_LENGTH } from '@stockflow/contracts';

/**
 * The contracts' identifier rule (`isIdentifier`) as a class-validator decorator: every path, query
 * and body identifier a caller chooses (customer, cart, order ids) carries it, so one rule answers
 * 400 on the field everywhere. Ids with a stricter shape (SKU codes, UUIDs) keep theirs: they satisfy it.
 */
export function IsIdentifier(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isIdentifier', validator: { validate: isIdentifier, defaultMessage: () => `$property must be ${IDENTIFIER_RULE}` } }, options);
}

/** The OpenAPI description of an identifier (`@ApiProperty({ ...identifierSchema('The customer id') })`). */
export function identifierSchema(description: string): { description: string; minLength: number; maxLength: number } {
  return { description: `${description}: ${IDENTIFIER_RULE}`, minLength: 1, maxLength: MAX_ID_LENGTH };
}
