import { Injectable, type PipeTransform } from '@nestjs/common';
import { ProblemDetailsException, ProblemTypes } from '../problem-details/problem-details.js';
import { ROOT_FIELD } from '../problem-details/validation.js';

/**
 * For operations that take no body: absent, `null`, `""` and `{}` pass; anything else is a 400 with
 * one field error per unexpected property, as the global whitelist would answer for a DTO.
 */
@Injectable()
export class NoBodyPipe implements PipeTransform<unknown, undefined> {
  transform(value: unknown): undefined {
    if (value === undefined || value === null || value === '') return undefined;
    const isObject = typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value);
    if (isObject && Object.keys(value).length === 0) return undefined;
    const errors = isObject
      ? Object.keys(value).map((field) => ({ field, messages: [`property ${field} should not exist`] }))
      : [{ field: ROOT_FIELD, messages: ['this operation takes no request body'] }];
    throw new ProblemDetailsException({
      status: 400,
      type: ProblemTypes.validation,
      title: 'Request validation failed',
      detail: 'This operation takes no request body.',
      errors,
    });
  }
}
