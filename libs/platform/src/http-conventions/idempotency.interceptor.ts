import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { ProblemDetailsException, ProblemTypes, problemType } from '../problem-details/problem-details.js';
import { HttpIdempotencyStore } from './http-idempotency-store.js';

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
 * and a replay while the first is still running is 409. A request that fails frees its key, since
 * it wrote nothing.
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
        throw new ProblemDetailsException({
          status: 409,
          type: problemType('idempotency-key-in-progress'),
          detail: 'A request with this Idempotency-Key is still being processed; retry shortly',
        });
      case 'completed':
        for (const [name, value] of Object.entries(claim.headers)) reply.header(name, value);
        reply.header('idempotent-replayed', 'true');
        return claim.body;
      case 'claimed':
        break;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (typeof value === 'string') headers[name] = value;
      }
      await this.store.complete(key, status, body, headers);
      return body;
    } catch (error) {
      await this.store.release(key);
      throw error;
    }
  }
}
