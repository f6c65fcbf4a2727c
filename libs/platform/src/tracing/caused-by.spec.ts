import { describe, expect, it } from '@jest/globals';
import { causedBy } from './caused-by.js';
import { isValidTraceparent } from './trace-context.js';

describe('causedBy', () => {
  const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('carries the cause: its id, its correlation and its trace as they are', () => {
    expect(causedBy({ eventId: 'e-1', correlationId: 'checkout-1', traceparent: trace })).toEqual({ causationId: 'e-1', correlationId: 'checkout-1', traceparent: trace });
  });

  it('starts a trace when the cause has none or an invalid one, so no event goes out without one', () => {
    for (const traceparent of [null, 'not-a-trace', '00-00000000000000000000000000000000-b7ad6b7169203331-01']) {
      const metadata = causedBy({ eventId: 'e-2', correlationId: 'c', traceparent });
      expect(isValidTraceparent(metadata.traceparent)).toBe(true);
      expect(metadata.traceparent).not.toBe(traceparent);
    }
  });

  it('names the correlation after the cause when it has none', () => {
    expect(causedBy({ eventId: 'e-3', correlationId: '', traceparent: trace }).correlationId).toBe('e-3');
  });
});
