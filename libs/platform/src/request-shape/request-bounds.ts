import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExtension, ApiPayloadTooLargeResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

/**
 * How much work one request may ask for (ADR 0022). Checked in this order, each before anything
 * more expensive runs: the declared `Content-Length` against `maxBodyBytes` (Fastify's body limit,
 * before a byte of the body is read), the bytes received (a body without a length is cut off at the
 * limit), then — in the request-shape guard's one walk of the parsed body (ADR 0027) — its nesting
 * depth and the length of every array, before the idempotency claim, object mapping
 * (class-transformer) and validation (class-validator).
 */
export interface RequestBounds {
  /** Largest body, in bytes (413 beyond it). */
  readonly maxBodyBytes: number;
  /** Most items in any one array of the body (413 beyond it). */
  readonly maxArrayItems: number;
  /** Deepest nesting of objects and arrays in the body; the body itself is level 1 (400 beyond it, ADR 0027). */
  readonly maxDepth: number;
}

/**
 * Deepest nesting of objects and arrays a request body may have (the body itself is level 1).
 * Every stockflow body is at most 3 deep; mapping a body thousands deep into classes overflows the
 * stack (class-transformer recurses), so it is refused before any mapping.
 */
export const DEFAULT_MAX_BODY_DEPTH = 32;

/**
 * The bounds of a route that declares none: larger than every stockflow body but the order's (a
 * command is a handful of short fields), and well below anything that costs a service time.
 */
export const DEFAULT_REQUEST_BOUNDS: RequestBounds = { maxBodyBytes: 16 * 1024, maxArrayItems: 100, maxDepth: DEFAULT_MAX_BODY_DEPTH };

/** Key of the bounds in a Fastify route's `config`. */
export const REQUEST_BOUNDS_CONFIG_KEY = 'stockflowRequestBounds';

/**
 * Bounds a route's request body tighter or looser than the service's defaults (any field left out
 * keeps the default), and documents them in OpenAPI (`x-request-bounds`, a 413 response).
 * Size the limit to the largest valid request of the route, with room for whitespace.
 */
export function BoundedRequest(bounds: Partial<RequestBounds>): MethodDecorator {
  return applyDecorators(
    RouteConfig({ [REQUEST_BOUNDS_CONFIG_KEY]: bounds }),
    ApiExtension('x-request-bounds', bounds),
    ApiPayloadTooLargeResponse({
      description: `application/problem+json: the body is larger than this route accepts${describe(bounds)}`,
    }),
  );
}

function describe(bounds: Partial<RequestBounds>): string {
  const parts = [
    bounds.maxBodyBytes !== undefined ? `${bounds.maxBodyBytes} bytes` : null,
    bounds.maxArrayItems !== undefined ? `${bounds.maxArrayItems} items per array` : null,
    bounds.maxDepth !== undefined ? `nesting depth ${bounds.maxDepth}` : null,
  ].filter((part) => part !== null);
  return parts.length ? ` (at most ${parts.join(', ')})` : '';
}

/** What a route declared with `@BoundedRequest`, if anything. */
export function declaredBounds(config: unknown): Partial<RequestBounds> | undefined {
  return (config as Record<string, unknown> | undefined)?.[REQUEST_BOUNDS_CONFIG_KEY] as Partial<RequestBounds> | undefined;
}

/** The resolved bounds of the route a request is for (set on every route when it is registered). */
export function requestBoundsOf(request: FastifyRequest): RequestBounds | undefined {
  return declaredBounds(request.routeOptions.config) as RequestBounds | undefined;
}
