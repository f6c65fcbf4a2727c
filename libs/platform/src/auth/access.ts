import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { ProblemDetailsException } from '../problem-details/problem-details.js';
import type { Caller } from './caller.js';

/**
 * Who may call a route (ADR 0025). The platform's global guard reads it; a route without one is
 * `operator`: a route someone forgot to mark is closed, not open.
 * - `public`: no credentials asked (`/health/live`, the unsubscribe link, the signed SMS webhook);
 * - `optional`: anonymous callers get a reduced answer, authenticated ones the full one (`/health/ready`);
 * - `authenticated`: any verified caller (e.g. the stock views);
 * - `customer`: a customer — the handler checks the resource is theirs (`assertOwnResource`,
 *   `assertActsForThemselves`) — or an operator reading (GET/HEAD only);
 * - `operator`: the `operator` scope;
 * - `scrape`: the `operator` or the `metrics` scope (`/metrics`).
 */
export type RouteAccess = 'public' | 'optional' | 'authenticated' | 'customer' | 'operator' | 'scrape';

export const ROUTE_ACCESS = 'stockflow:route-access';
export const STREAM_TICKET_ROUTE = 'stockflow:stream-ticket-route';
/** Where the OpenAPI document carries a route's access until `createService` turns it into `security`. */
export const ACCESS_EXTENSION = 'x-stockflow-access';

const access = (level: RouteAccess) => applyDecorators(SetMetadata(ROUTE_ACCESS, level), ApiExtension(ACCESS_EXTENSION, level));

/** No credentials asked. */
export const Public = (): MethodDecorator & ClassDecorator => access('public');
/** Anonymous callers allowed; an `Authorization` header, when sent, must be valid. */
export const OptionalAuth = (): MethodDecorator & ClassDecorator => access('optional');
/** Any authenticated caller. */
export const Authenticated = (): MethodDecorator & ClassDecorator => access('authenticated');
/** Customers (their own resources: the handler checks) and operators reading. */
export const ForCustomers = (): MethodDecorator & ClassDecorator => access('customer');
/** The `operator` scope (also what a route without a marker requires). */
export const OperatorOnly = (): MethodDecorator & ClassDecorator => access('operator');
/** The `operator` or `metrics` scope. */
export const ForScrapers = (): MethodDecorator & ClassDecorator => access('scrape');

/**
 * The route (a Server-Sent Events stream) also accepts `?ticket=` from `POST /auth/stream-tickets`
 * in place of an `Authorization` header, because a browser's EventSource cannot send one.
 */
export const AcceptsStreamTicket = (): MethodDecorator =>
  applyDecorators(SetMetadata(STREAM_TICKET_ROUTE, true), ApiExtension('x-stockflow-stream-ticket', true));

/** Where the guard leaves the caller on the request. */
const CALLER = Symbol.for('stockflow.auth.caller');

export function setRequestCaller(request: object, caller: Caller): void {
  (request as Record<symbol, Caller>)[CALLER] = caller;
}

export function requestCaller(request: object): Caller | undefined {
  return (request as Record<symbol, Caller | undefined>)[CALLER];
}

/** The authenticated caller of the request (a handler parameter); undefined on a public route called anonymously. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller | undefined =>
  requestCaller(context.switchToHttp().getRequest<object>()),
);

/**
 * Whether the caller may reach a resource of `ownerCustomerId`: the customer themselves, or an
 * operator (whom the guard lets through `customer` routes only to read). A service answers its own
 * not-found when this is false, so that someone else's resource looks like one that does not exist.
 */
export function reachesCustomer(caller: Caller | undefined, ownerCustomerId: string | null | undefined): boolean {
  if (caller?.kind === 'operator') return true;
  return caller?.kind === 'customer' && typeof ownerCustomerId === 'string' && caller.subject === ownerCustomerId;
}

/**
 * The resource belongs to `ownerCustomerId`: a customer who is someone else gets 404 (the same answer
 * as for a resource that does not exist, so ids of others do not leak — OWASP API1); an operator passes
 * (the guard lets operators through `customer` routes only to read); anyone else, or no caller, 404 too.
 */
export function assertOwnResource(caller: Caller | undefined, ownerCustomerId: string | null | undefined, what = 'resource'): void {
  if (reachesCustomer(caller, ownerCustomerId)) return;
  throw new ProblemDetailsException({ status: 404, detail: `No such ${what}.` });
}

/** A body or path names the customer it acts for: a customer may name only themselves (403 otherwise). */
export function assertActsForThemselves(caller: Caller | undefined, customerId: string): void {
  if (caller?.kind === 'customer' && caller.subject === customerId) return;
  if (caller?.kind === 'operator') return;
  throw new ProblemDetailsException({
    status: 403,
    detail: 'A customer acts only for themselves: customerId must be the authenticated customer.',
    errors: [{ field: 'customerId', messages: ['customerId must be the authenticated customer'] }],
  });
}
