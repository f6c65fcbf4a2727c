import type { Type } from '@nestjs/common';
import { PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import { getMetadataStorage } from 'class-validator';
import { STREAM_TICKET_ROUTE } from '../auth/access.js';

/** Key of a route's declared query parameter names in its Fastify route `config`. */
export const QUERY_KEYS_CONFIG_KEY = 'stockflowQueryKeys';

/** The query parameter a route marked `@AcceptsStreamTicket` takes besides its own (ADR 0025). */
export const STREAM_TICKET_QUERY_KEY = 'ticket';

/**
 * The query parameters a handler declares, read from the same metadata Nest and the validation pipe
 * use: every `@Query('name')`, the validated properties of a `@Query()` DTO (what the pipe's
 * whitelist accepts, inherited ones included), and `ticket` on an `@AcceptsStreamTicket` route.
 * `null` when the handler takes the whole query untyped (`@Query()` without a DTO class): nothing
 * says what it reads, so nothing is refused.
 */
export function declaredQueryKeys(controller: Type<unknown>, methodName: string): readonly string[] | null {
  const method = (controller.prototype as Record<string, unknown>)[methodName] as object;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodName) ?? {}) as Record<string, { index: number; data?: unknown }>;
  const paramTypes = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, methodName) ?? []) as unknown[];
  const keys = new Set<string>();
  if (Reflect.getMetadata(STREAM_TICKET_ROUTE, method) === true) keys.add(STREAM_TICKET_QUERY_KEY);
  for (const [key, { index, data }] of Object.entries(args)) {
    if (key.split(':')[0] !== String(RouteParamtypes.QUERY)) continue;
    if (typeof data === 'string') {
      keys.add(data);
      continue;
    }
    const dto = paramTypes[index];
    if (!isDtoClass(dto)) return null;
    for (const { propertyName } of getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false)) keys.add(propertyName);
  }
  return [...keys];
}

function isDtoClass(type: unknown): type is Type<unknown> {
  return typeof type === 'function' && ![Object, String, Number, Boolean, Array].includes(type as never);
}

/**
 * Puts every controller route's declared query parameters into its Fastify route `config` (merged
 * with `@RouteConfig`/`@BoundedRequest`'s), where the request-shape guard reads them. Must run after
 * the Nest application is created and before it is initialised: Nest registers the routes with
 * Fastify in `init()`, copying each handler's metadata onto the route.
 */
export function declareQueryParameters(modules: ModulesContainer): void {
  const scanner = new MetadataScanner();
  const seen = new Set<Type<unknown>>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (typeof controller !== 'function' || seen.has(controller)) continue;
      seen.add(controller);
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const method = prototype[name] as object;
        if (Reflect.getMetadata(PATH_METADATA, method) === undefined) continue;
        const keys = declaredQueryKeys(controller, name);
        const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, method) ?? {}) as Record<string, unknown>;
        Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [QUERY_KEYS_CONFIG_KEY]: keys }, method);
      }
    }
  }
}

/** The query parameters the route of a request declares; undefined for routes outside Nest's controllers (Swagger UI's). */
export function declaredQueryKeysOf(config: unknown): readonly string[] | null | undefined {
  return (config as Record<string, unknown> | undefined)?.[QUERY_KEYS_CONFIG_KEY] as readonly string[] | null | undefined;
}
