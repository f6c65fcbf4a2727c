import { DomainError } from '@stockflow/event-sourcing';
import {
  CONFIRMATION_MAX_ATTEMPTS,
  ConfirmationErrors,
  NO_CONFIRMATIONS,
  decideConfirm,
  decideRequestConfirmation,
  evolveConfirmations,
  hashConfirmationCode,
  isConfirmed,
  type ConfirmationState,
} from './confirmation.js';

const now = new Date('2026-12-03T05:00:00Z');
const request = { channel: 'email' as const, address: 'Ann@Example.org', confirmationId: '4b0f7a3e-0c1d-4e5f-8a9b-0c1d2e3f4a5b', code: '483920', salt: '0123456789abcdef0123456789abcdef', key: 'a-secret-of-this-deployment-only' };

function fold(state: ConfirmationState, events: ReturnType<typeof decideConfirm>): ConfirmationState {
  return events.reduce(evolveConfirmations, state);
}

function requested(): ConfirmationState {
  return fold(NO_CONFIRMATIONS, decideRequestConfirmation('c1', NO_CONFIRMATIONS, request, now));
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('contact confirmation', () => {
  it('records only a salted hash of the code, never the code', () => {
    const [event] = decideRequestConfirmation('c1', NO_CONFIRMATIONS, request, now);
    expect(event.type).toBe('ContactConfirmationRequested');
    expect(JSON.stringify(event)).not.toContain(request.code);
    expect(event.data).toMatchObject({ codeHash: hashConfirmationCode(request.key, request.salt, request.confirmationId, request.code), maxAttempts: CONFIRMATION_MAX_ATTEMPTS, expiresAt: '2026-12-04T05:00:00.000Z' });
    expect(hashConfirmationCode(request.key, 'ffffffffffffffffffffffffffffffff', request.confirmationId, request.code)).not.toBe((event.data as { codeHash: string }).codeHash);
    expect(hashConfirmationCode('another-key', request.salt, request.confirmationId, request.code)).not.toBe((event.data as { codeHash: string }).codeHash);
  });

  it('asks once: a live pending request for the same address records nothing', () => {
    expect(decideRequestConfirmation('c1', requested(), { ...request, confirmationId: 'other', code: '111111' }, now)).toEqual([]);
  });

  it('confirms with the right code; the address is then confirmed (email case-insensitively)', () => {
    const state = fold(requested(), decideConfirm('c1', requested(), 'email', request.code, now, request.key));
    expect(isConfirmed(state, 'email', 'ann@example.org')).toBe(true);
    expect(isConfirmed(state, 'email', 'bob@example.org')).toBe(false);
    expect(isConfirmed(requested(), 'email', request.address)).toBe(false);
    expect(decideConfirm('c1', state, 'email', request.code, now, request.key)).toEqual([]);
    expect(decideRequestConfirmation('c1', state, request, now)).toEqual([]);
  });

  it('locks after five wrong codes; then even the right code is refused', () => {
    let state = requested();
    for (let attempt = 1; attempt <= CONFIRMATION_MAX_ATTEMPTS; attempt++) {
      const events = decideConfirm('c1', state, 'email', '000000', now, request.key);
      expect(events).toEqual([expect.objectContaining({ type: 'ContactConfirmationFailed', data: expect.objectContaining({ attempts: attempt, locked: attempt === CONFIRMATION_MAX_ATTEMPTS }) })]);
      state = fold(state, events);
    }
    expect(refusal(() => decideConfirm('c1', state, 'email', request.code, now, request.key))).toBe(ConfirmationErrors.locked);
    // A new request replaces the locked one.
    expect(decideRequestConfirmation('c1', state, { ...request, confirmationId: 'new-id' }, now)).toHaveLength(1);
  });

  it('refuses an expired code and one that was never asked for', () => {
    const later = new Date(now.getTime() + 24 * 60 * 60 * 1000);
    expect(refusal(() => decideConfirm('c1', requested(), 'email', request.code, later, request.key))).toBe(ConfirmationErrors.expired);
    expect(refusal(() => decideConfirm('c1', requested(), 'sms', request.code, now, request.key))).toBe(ConfirmationErrors.noPending);
    expect(decideRequestConfirmation('c1', requested(), request, later)).toHaveLength(1);
  });
});
