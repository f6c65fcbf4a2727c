/** The servers a service depends on. */
export type Dependency = 'postgresql' | 'nats' | 'eventstoredb';

const DEPENDENCY_NAMES: Readonly<Record<Dependency, string>> = { postgresql: 'PostgreSQL', nats: 'NATS', eventstoredb: 'EventStoreDB' };

/** How long a client is asked to wait before retrying a command refused for an outage (ADR 0019). */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 2;

/**
 * A dependency cannot be reached right now: the request was not carried out and may be retried.
 * Thrown by code that finds out itself; errors of the drivers are recognised by
 * `dependencyUnavailableOf` below. Answered 503 with `Retry-After`.
 */
export class DependencyUnavailable extends Error {
  override readonly name = 'DependencyUnavailable';

  constructor(
    readonly dependency: Dependency,
    options?: { cause?: unknown },
  ) {
    super(`${DEPENDENCY_NAMES[dependency]} is unavailable`, options);
  }
}

/** System errors of a connection that is refused, broken or unreachable. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs meaning the server cannot serve now: class 08 (connection exception), 57P01–57P03
 * (shut down by the administrator, crashed, not accepting connections yet), 53300 (too many
 * connections), 57014 (our statement_timeout cancelled it).
 */
const POSTGRES_UNAVAILABLE = /^(08...|57P0[123]|53300|57014)$/;

/** What node-postgres says, without a code, when it loses or cannot get a connection. */
const POSTGRES_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
];

/** @nats-io error names (and codes of older clients) of a connection that is closed, lost or not answering. */
const NATS_NAMES = new Set(['ClosedConnectionError', 'ConnectionError', 'TimeoutError', 'NoResponders', 'DrainingConnectionError']);
const NATS_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_REFUSED', 'DISCONNECT', 'TIMEOUT', '503']);

/**
 * EventStoreDB client errors (`@eventstore/db-client`: a `type`, the gRPC error kept in `_raw`) of a
 * server that cannot be reached or cannot serve now: down, no leader, or not answering in time.
 */
const EVENTSTORE_UNAVAILABLE = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'not-leader', 'cancelled']);

/**
 * The one place that decides whether an error means "a dependency is down" rather than "a bug":
 * looks at the error, its `cause` chain and an AggregateError's members (a refused connection to
 * a host with several addresses).
 */
export function dependencyUnavailableOf(error: unknown, depth = 0): DependencyUnavailable | null {
  if (error instanceof DependencyUnavailable) return error;
  if (!isErrorLike(error) || depth > 5) return null;
  const code = (error as Error & { code?: unknown }).code;
  const codeText = typeof code === 'string' || typeof code === 'number' ? String(code) : '';
  const esdbType = (error as { type?: unknown }).type;
  if ('_raw' in error && typeof esdbType === 'string' && EVENTSTORE_UNAVAILABLE.has(esdbType)) return new DependencyUnavailable('eventstoredb', { cause: error });
  if (isPostgresError(error) && POSTGRES_UNAVAILABLE.test(codeText)) return new DependencyUnavailable('postgresql', { cause: error });
  if (POSTGRES_MESSAGES.includes(error.message)) return new DependencyUnavailable('postgresql', { cause: error });
  if (NATS_NAMES.has(error.name) || (error.name.startsWith('Nats') && NATS_CODES.has(codeText))) return new DependencyUnavailable('nats', { cause: error });
  // The NATS client reconnects on its own and never hands a bare socket error to a caller; pg does.
  if (SOCKET_CODES.has(codeText)) return new DependencyUnavailable('postgresql', { cause: error });
  const members = (error as { errors?: unknown }).errors;
  for (const inner of [...(Array.isArray(members) ? members : []), (error as { cause?: unknown }).cause]) {
    const found = dependencyUnavailableOf(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

/** By shape: errors from Node.js's own modules are of another realm under some test runners. */
function isErrorLike(error: unknown): error is Error {
  return typeof error === 'object' && error !== null && typeof (error as Error).message === 'string' && typeof (error as Error).name === 'string';
}

/** pg's DatabaseError carries the SQLSTATE in `code` and the server's `severity`. */
function isPostgresError(error: Error): boolean {
  return error.name === 'error' || error.name === 'DatabaseError' || 'severity' in error;
}

