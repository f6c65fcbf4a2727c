import { problemResponses } from '@stockflow/platform';

/** The part of Fastify's reply a controller uses (`@Res({ passthrough: true })`). */
export interface ReplyLike {
  header(name: string, value: string): unknown;
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: malformed JSON, or fields (`errors`), path parameters or headers that fail validation',
  403: 'The webhook signature is missing or wrong',
  404: 'No such customer preferences, subscription or notification, or no contact confirmation pending',
  409: 'The state forbids it (see code): already subscribed, subscription fulfilled, confirmation expired or locked',
  413: 'The body is larger than the route accepts (16 KiB unless it says otherwise), or has too many items or too deep a nesting',
  415: 'The body is not JSON (or, for webhooks, not form-encoded)',
  422: 'An Idempotency-Key was reused for another request, or a wrong confirmation code (attempts left in detail)',
};

/** Documents the problem+json answers of an operation. */
export const ApiProblems = problemResponses(PROBLEM_DESCRIPTIONS);

export { ApiIdempotencyKey } from '@stockflow/platform';
