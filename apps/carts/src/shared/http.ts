import { ApiHeader } from '@nestjs/swagger';
import { entityTag, problemResponses } from '@stockflow/platform';

/** The part of Fastify's reply a controller uses (`@Res({ passthrough: true })`). */
export interface ReplyLike {
  header(name: string, value: string): unknown;
}

export function setEntityTag(reply: ReplyLike, version: number): void {
  reply.header('etag', entityTag(version));
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: malformed JSON, or fields (`errors`) or path parameters that fail validation',
  404: 'No such cart (or line)',
  409: 'The cart is checked out and closed (code cart-checked-out), or a concurrent change won',
  412: 'If-Match names a version that is no longer current',
  413: 'The body is larger than the route accepts (16 KiB unless it says otherwise), or has too many items or too deep a nesting',
  415: 'The body is not JSON',
  422: 'A business rule refused the command (see code), or an Idempotency-Key was reused for another request',
};

/** Documents the problem+json answers of an operation. */
export const ApiProblems = problemResponses(PROBLEM_DESCRIPTIONS);

export const ApiIfMatch = (): MethodDecorator & ClassDecorator =>
  ApiHeader({ name: 'If-Match', required: false, description: 'The ETag of the version this change is based on; stale → 412' });

export { ApiIdempotencyKey } from '@stockflow/platform';

export const etagHeader = { ETag: { description: 'The cart version as an entity tag, e.g. "3"', schema: { type: 'string' } } };
