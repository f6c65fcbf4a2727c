import { describe, expect, it } from '@jest/globals';
import {
  childTraceparent,
  createRequestContext,
  currentEventMetadata,
  isValidTraceparent,
  newTraceparent,
  parseTraceparent,
  requestContext,
  runWithRequestContext,
} from '../index.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses a valid header', () => {
    expect(parseTraceparent(VALID)).toEqual({ version: '00', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['garbage', 'hello'],
    ['upper-case hex', VALID.toUpperCase()],
    ['version ff', VALID.replace(/^00/, 'ff')],
    ['zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['zero span id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['trailing data on version 00', `${VALID}-extra`],
    ['bad flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g'],
  ])('rejects %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeNull();
    expect(isValidTraceparent(header)).toBe(false);
  });

  it('accepts a later version by its first four fields', () => {
    expect(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future`)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('generates valid, distinct traceparents', () => {
    const a = newTraceparent();
    const b = newTraceparent();
    expect(isValidTraceparent(a)).toBe(true);
    expect(parseTraceparent(a)!.traceId).not.toBe(parseTraceparent(b)!.traceId);
    // Across several refills of the random pool: every one valid, no id repeated.
    const many = Array.from({ length: 1000 }, () => parseTraceparent(newTraceparent())!);
    expect(many.every((t) => t !== null)).toBe(true);
    expect(new Set(many.map((t) => t.traceId)).size).toBe(1000);
    expect(new Set(many.map((t) => t.spanId)).size).toBe(1000);
  });

  it('makes child spans of the same trace', () => {
    const child = parseTraceparent(childTraceparent(VALID))!;
    expect(child.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child.spanId).not.toBe('00f067aa0ba902b7');
    expect(child.flags).toBe('01');
    expect(isValidTraceparent(childTraceparent('nonsense'))).toBe(true);
  });
});

describe('request context', () => {
  it('is visible across awaits inside runWithRequestContext, and only there', async () => {
    const context = createRequestContext({ traceparent: VALID, correlationId: 'corr-9' });
    const seen = await runWithRequestContext(context, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { context: requestContext(), metadata: currentEventMetadata('evt-1') };
    });
    expect(seen.context).toBe(context);
    expect(seen.metadata).toEqual({ correlationId: 'corr-9', causationId: 'evt-1', traceparent: context.traceparent });
    expect(context.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(context.parentSpanId).toBe('00f067aa0ba902b7');
    expect(requestContext()).toBeUndefined();
  });

  it('generates a correlation id when the given one is missing or unsafe', () => {
    expect(createRequestContext({}).correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(createRequestContext({ correlationId: 'x'.repeat(200) }).correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(createRequestContext({ correlationId: ['a', 'b'] }).correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
