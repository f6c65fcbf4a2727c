import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { runInUnitOfWork, UnitOfWork } from '@stockflow/event-sourcing';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { ProblemDetailsException, ProblemTypes, problemType } from '../problem-details/problem-details.js';
import { crashPoint } from '../testing-hooks/crash-point.js';
import { HttpIdempotencyStore, IdempotencyLeaseLost, type Queryable } from './http-idempotency-store.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,255}$/;

interface RequestLike {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}
interface ReplyLike {
  header(name: string, value: string): ReplyLike;
  getHeader(name: string): unknown;
}

/** Response headers a replay repeats: where the created resource is and which version it has. */
const REPLAYED_HEADERS = ['location', 'etag'] as const;

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its successful result is
 * stored; a replay with the same key and the same method, path and body gets that result again
 * (with `Idempotent-Replayed: true`) without running; the same key with another request is 422,
 * and a replay while the first is still running is 409 with `Retry-After` (ADR 0022).
 *
 * The claim is a lease: a key whose owner died before committing is taken over once the lease has
 * ended. The request runs in a `UnitOfWork`, so the command handler appends its events in a
 * transaction that commits only together with the recorded result: after a crash at any point, a
 * retry either finds the result (and replays it) or finds nothing committed (and runs). A request
 * that fails frees its key, since it committed nothing. On a log without transactions the result is
 * recorded after the append; a retry that finds no result runs again, and its command finds the
 * events the first run appended (their ids follow from the key) instead of deciding twice.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: HttpIdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<RequestLike>();
    const raw = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (request.method !== 'POST' || raw === undefined) return next.handle();
    // Nest applies the route's status after interceptors, so the stored status is the route's too.
    const status = (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ?? 201;
    return from(this.run(request, http.getResponse<ReplyLike>(), raw, status, next));
  }

  private async run(request: RequestLike, reply: ReplyLike, raw: string | string[], status: number, next: CallHandler): Promise<unknown> {
    const key = Array.isArray(raw) ? raw[0]! : raw;
    if (!KEY.test(key)) {
      throw new ProblemDetailsException({ status: 400, type: ProblemTypes.badRequest, detail: 'Idempotency-Key must be 1 to 255 visible ASCII characters' });
    }
    const hash = createHash('sha256').update(request.method).update('\0').update(request.url).update('\0').update(JSON.stringify(request.body ?? null)).digest('base64url');
    const claim = await this.store.claim(key, hash);
    switch (claim.kind) {
      case 'mismatch':
        throw new ProblemDetailsException({
          status: 422,
          type: problemType('idempotency-key-reused'),
          detail: 'This Idempotency-Key was used with a different request; use a new key for a new request',
        });
      case 'in-progress':
        reply.header('retry-after', String(Math.max(1, Math.ceil(claim.retryAfterMs / 1000))));
        throw inProgress();
      case 'completed':
        for (const [name, value] of Object.entries(claim.headers)) reply.header(name, value);
        reply.header('idempotent-replayed', 'true');
        return claim.body;
      case 'claimed':
        break;
    }
    const { owner } = claim;
    // A hung owner's transaction ends with its lease: PostgreSQL ends a session idle in it longer
    // (its locks, e.g. on the stream's row, would otherwise hold up the request that takes over).
    const unit = new UnitOfWork({
      onOpen: async (tx) => {
        const connection = tx.connection as Partial<Queryable> | null;
        if (typeof connection?.query === 'function') await connection.query(`SET LOCAL idle_in_transaction_session_timeout = ${Math.ceil(this.store.leaseMs)}`);
      },
      // On a log without transactions (EventStoreDB) the events' ids follow from the key and the
      // request: a retry after a crash between the append and the result finds them (ADR 0046).
      replayKey: `idempotency-key:${key}:${hash}`,
    });
    let committed = false;
    try {
      const body = await runInUnitOfWork(unit, () => lastValueFrom(next.handle(), { defaultValue: undefined }));
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (typeof value === 'string') headers[name] = value;
      }
      // The result commits with the command's events (the unit's transaction), or not at all.
      const inTransaction = await unit.finish(async (tx) => {
        const connection = tx.connection as Partial<Queryable> | null;
        if (typeof connection?.query !== 'function') throw new Error('the event store transaction offers no SQL connection for the Idempotency-Key result');
        await this.store.complete(key, owner, status, body, headers, connection as Queryable);
        crashPoint('idempotency:before-commit');
      });
      // Nothing was appended in a transaction: the request wrote nothing, or not through the command
      // handler, or on a log without transactions, under names a retry finds again (ADR 0046): then a
      // result that cannot be recorded frees the key for that retry.
      committed = inTransaction || !unit.named;
      if (!inTransaction) await this.store.complete(key, owner, status, body, headers);
      committed = true;
      crashPoint('idempotency:after-commit');
      return body;
    } catch (error) {
      await unit.abort(error);
      if (!committed) await this.store.release(key, owner).catch(() => undefined);
      if (error instanceof IdempotencyLeaseLost) throw inProgress();
      throw error;
    }
  }
}

function inProgress(): ProblemDetailsException {
  return new ProblemDetailsException({
    status: 409,
    type: problemType('idempotency-key-in-progress'),
    detail: 'A request with this Idempotency-Key is still being processed; retry shortly',
  });
}
