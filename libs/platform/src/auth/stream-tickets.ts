import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { callerKindOf, type Caller } from './caller.js';

/** How long a stream ticket is good for: long enough to open an EventSource, too short to be worth stealing. */
export const STREAM_TICKET_TTL_SECONDS = 60;
const TICKET_AUDIENCE = 'stockflow-stream-ticket';

/**
 * Short-lived signed tickets for Server-Sent Events: a browser's `EventSource` cannot send an
 * `Authorization` header, so the caller first trades its bearer token for a ticket
 * (`POST /auth/stream-tickets` with `{ path }`) and then opens `GET <path>?ticket=…`. A ticket names
 * its caller, its scopes and the one path it opens, expires after 60 s, and is an HS256 JWT (`jose`)
 * under the service's own key: `AUTH_STREAM_TICKET_SECRET` (shared by a service's replicas), or a
 * random key per process when unset (then a ticket opens streams only on the replica that issued it).
 */
export class StreamTickets {
  private readonly key: Uint8Array;

  constructor(secret?: string) {
    this.key = secret ? new TextEncoder().encode(secret) : randomBytes(32);
  }

  issue(caller: Caller, path: string): Promise<string> {
    return new SignJWT({ scope: [...caller.scopes].join(' '), path, ...(caller.clientId ? { client_id: caller.clientId } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(caller.subject)
      .setAudience(TICKET_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${STREAM_TICKET_TTL_SECONDS}s`)
      .sign(this.key);
  }

  /** The caller a ticket was issued to, when it is valid for `path`; null otherwise. */
  async redeem(ticket: string, path: string): Promise<Caller | null> {
    try {
      const { payload } = await jwtVerify(ticket, this.key, { audience: TICKET_AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
      if (payload.path !== path || typeof payload.sub !== 'string') return null;
      const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []);
      return { kind: callerKindOf(scopes), subject: payload.sub, scopes, clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined };
    } catch {
      return null;
    }
  }
}
