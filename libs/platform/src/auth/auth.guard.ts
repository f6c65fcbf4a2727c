import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemDetailsException, ProblemTypes } from '../problem-details/problem-details.js';
import { ROUTE_ACCESS, STREAM_TICKET_ROUTE, setRequestCaller, type RouteAccess } from './access.js';
import { AuthScopes, type Caller } from './caller.js';
import { StreamTickets } from './stream-tickets.js';
import { TokenRejected, TokenVerifier } from './token-verifier.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

/**
 * The platform's global guard (ADR 0025): finds the caller from `Authorization: Bearer <JWT>` (or a
 * stream ticket on a route that accepts one) and checks the route's access. Anonymous or invalid:
 * 401 with `WWW-Authenticate` (RFC 6750); authenticated but not allowed: 403; the identity provider
 * unreachable for discovery or keys: 503. Event handlers (NATS) are not HTTP requests and pass.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(StreamTickets) private readonly tickets: StreamTickets,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, targets) ?? 'operator';
    if (access === 'public') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();

    const caller = await this.authenticate(request, reply, this.reflector.getAllAndOverride<boolean>(STREAM_TICKET_ROUTE, targets) ?? false);
    if (!caller) {
      if (access === 'optional') return true;
      reply.header('WWW-Authenticate', 'Bearer realm="stockflow"');
      throw new ProblemDetailsException({ status: 401, type: ProblemTypes.unauthorized, detail: 'This route needs a bearer token (Authorization: Bearer <access token>).' });
    }
    setRequestCaller(request, caller);
    if (allows(access, caller, request.method)) return true;
    reply.header('WWW-Authenticate', `Bearer realm="stockflow", error="insufficient_scope", scope="${requiredScope(access)}"`);
    throw new ProblemDetailsException({ status: 403, type: ProblemTypes.forbidden, detail: `This route is for ${audienceOf(access)}.` });
  }

  private async authenticate(request: FastifyRequest, reply: FastifyReply, acceptsTicket: boolean): Promise<Caller | null> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = BEARER.exec(header);
      if (!match) return this.refuse(reply, 'The Authorization header is not "Bearer <token>".');
      try {
        return await this.verifier.verify(match[1]!);
      } catch (error) {
        if (error instanceof TokenRejected && error.reason === 'unavailable') {
          reply.header('Retry-After', '2');
          throw new ProblemDetailsException({
            status: 503,
            type: ProblemTypes.dependencyUnavailable,
            detail: 'The identity provider cannot be reached to verify the token; retry later.',
            dependency: 'identity-provider',
          });
        }
        return this.refuse(reply, `The bearer token is not accepted: ${error instanceof Error ? error.message : 'invalid'}.`);
      }
    }
    const query = request.query as Record<string, unknown> | undefined;
    const ticket = query?.ticket;
    if (acceptsTicket && typeof ticket === 'string' && ticket.length > 0 && ticket.length < 4096) {
      const caller = await this.tickets.redeem(ticket, request.url.split('?')[0]!);
      if (!caller) return this.refuse(reply, 'The stream ticket is not valid for this path, or it has expired.');
      return caller;
    }
    return null;
  }

  private refuse(reply: FastifyReply, detail: string): never {
    reply.header('WWW-Authenticate', 'Bearer realm="stockflow", error="invalid_token"');
    throw new ProblemDetailsException({ status: 401, type: ProblemTypes.unauthorized, detail });
  }
}

function allows(access: RouteAccess, caller: Caller, method: string): boolean {
  switch (access) {
    case 'public':
    case 'optional':
    case 'authenticated':
      return true;
    case 'customer':
      return caller.kind === 'customer' || (caller.kind === 'operator' && SAFE_METHODS.has(method));
    case 'operator':
      return caller.kind === 'operator';
    case 'scrape':
      return caller.kind === 'operator' || caller.scopes.has(AuthScopes.metrics);
  }
}

function requiredScope(access: RouteAccess): string {
  return access === 'customer' ? AuthScopes.customer : access === 'scrape' ? `${AuthScopes.operator} ${AuthScopes.metrics}` : AuthScopes.operator;
}

function audienceOf(access: RouteAccess): string {
  return access === 'customer' ? 'customers (operators may only read)' : access === 'scrape' ? 'operators and metrics scrapers' : 'operators';
}

/**
 * What a service without `AUTH_ISSUER` installs instead of `AuthGuard`: every HTTP caller is an
 * operator, as before authentication existed (ADR 0025). Development and tests only; `createService`
 * warns at start-up whenever it is in place.
 */
export const OPEN_ACCESS_CALLER: Caller = { kind: 'operator', subject: 'anonymous (authentication off)', scopes: new Set([AuthScopes.operator]) };

@Injectable()
export class OpenAccessGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http') setRequestCaller(context.switchToHttp().getRequest<object>(), OPEN_ACCESS_CALLER);
    return true;
  }
}
