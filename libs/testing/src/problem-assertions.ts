import { expect } from '@jest/globals';
import { PROBLEM_JSON } from '@stockflow/platform';

/** What `expectProblem` reads of an answer: a supertest response has it. */
export interface ProblemAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  readonly text?: string;
}

interface ProblemBody {
  readonly status?: unknown;
  readonly type?: unknown;
  readonly detail?: unknown;
  readonly errors?: readonly { readonly field: string; readonly messages: readonly string[] }[];
}

/**
 * Asserts an RFC 9457 answer: exactly `status` (a 4xx, never a 5xx), `application/problem+json`, a body
 * with that status, a `type` and a `detail`; with `fields`, its `errors` name exactly those fields,
 * each with at least one message.
 */
export function expectProblem(response: ProblemAnswer, status: number, fields?: readonly string[]): void {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${response.text ?? JSON.stringify(response.body)}`);
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(response.headers['content-type']).toContain(PROBLEM_JSON);
  const body = response.body as ProblemBody;
  expect(body.status).toBe(status);
  expect(typeof body.type).toBe('string');
  expect(typeof body.detail).toBe('string');
  if (fields) {
    expect(Array.isArray(body.errors)).toBe(true);
    expect(body.errors!.map((e) => e.field).sort()).toEqual([...fields].sort());
    for (const error of body.errors!) expect(error.messages.length).toBeGreaterThan(0);
  }
}
