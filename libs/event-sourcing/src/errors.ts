/** The stream's version was not what the writer expected. */
export class ConcurrencyConflict extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: number | null,
  ) {
    super(`stream ${streamId}: expected version ${expected}, found ${actual ?? 'none'}`);
    this.name = 'ConcurrencyConflict';
  }
}

/** An append reused an event id that is stored with a different stream or position. */
export class DuplicateEventIdConflict extends Error {
  constructor(readonly streamId: string, readonly eventIds: readonly string[]) {
    super(`stream ${streamId}: event ids already used elsewhere: ${eventIds.slice(0, 3).join(', ')}`);
    this.name = 'DuplicateEventIdConflict';
  }
}

/** Transactions asked of an event store whose adapter cannot join its appends to other writes. */
export class TransactionsUnsupported extends Error {
  constructor(detail: string) {
    super(`event store without transactions: ${detail}`);
    this.name = 'TransactionsUnsupported';
  }
}

export type DomainErrorKind = 'not-found' | 'conflict' | 'rejected';

/**
 * A decision the domain refuses. `not-found` — the aggregate does not exist; `conflict` — it
 * exists in a state that forbids the command (e.g. a closed cart); `rejected` — the command is
 * well-formed but breaks a business rule (e.g. an empty cart checking out).
 */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
