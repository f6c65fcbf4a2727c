import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ProblemDetailsException, ProblemTypes } from '../problem-details/problem-details.js';

/** A resource's version as a strong entity tag: `"7"`. */
export function entityTag(version: number): string {
  return `"${version}"`;
}

const ETAG = /^\s*(?:W\/)?"(\d{1,15})"\s*$/;

/**
 * The version an `If-Match` header names, or undefined when the header is absent or `*`.
 * Several tags or a malformed one are a client error (400): a write must name exactly one version.
 */
export function versionFromIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined || header === '*') return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  const match = ETAG.exec(value);
  if (!match) {
    throw new ProblemDetailsException({
      status: 400,
      type: ProblemTypes.badRequest,
      detail: `If-Match must be one entity tag as sent in ETag, e.g. "3" (got ${JSON.stringify(value).slice(0, 80)})`,
    });
  }
  return Number(match[1]);
}

/** Handler parameter: the expected version from `If-Match` (undefined when the request has none). */
export const IfMatchVersion = createParamDecorator((_: unknown, ctx: ExecutionContext): number | undefined => {
  const request = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
  return versionFromIfMatch(request.headers['if-match']);
});
