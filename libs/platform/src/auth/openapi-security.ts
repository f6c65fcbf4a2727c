import type { OpenAPIObject } from '@nestjs/swagger';
import { ACCESS_EXTENSION, type RouteAccess } from './access.js';
import { AuthScopes } from './caller.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * Declares the security schemes on the OpenAPI document and each operation's requirement from its
 * access marker (ADR 0025): `oidc` (OpenID Connect: the issuer's discovery) with the scope the route
 * needs, and `streamTicket` (`?ticket=`) on the Server-Sent Events routes. Public operations get
 * `security: []`; an operation without a marker is `operator`, as the guard treats it.
 */
export function declareSecurity(document: OpenAPIObject, issuer: string): OpenAPIObject {
  const discovery = new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`).href;
  document.components ??= {};
  document.components.securitySchemes = {
    ...document.components.securitySchemes,
    oidc: {
      type: 'openIdConnect',
      openIdConnectUrl: discovery,
      description: `OAuth 2.0 / OpenID Connect bearer token (JWT) from ${issuer}. Scopes: customer (sub = the customer id), operator, metrics.`,
    },
    streamTicket: {
      type: 'apiKey',
      in: 'query',
      name: 'ticket',
      description: 'A 60-second ticket from POST /auth/stream-tickets, for EventSource clients that cannot send headers.',
    },
  };
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (pathItem as Record<string, Record<string, unknown> | undefined>)[method];
      if (!operation) continue;
      const access = (operation[ACCESS_EXTENSION] as RouteAccess | undefined) ?? 'operator';
      delete operation[ACCESS_EXTENSION];
      const ticket = operation['x-stockflow-stream-ticket'] === true;
      delete operation['x-stockflow-stream-ticket'];
      const requirements = securityOf(access);
      // Alternatives: any one requirement object satisfies the operation; `{}` means anonymous too.
      operation.security = [...requirements, ...(ticket ? [{ streamTicket: [] }] : []), ...(access === 'optional' ? [{}] : [])];
    }
  }
  const ticketed = Object.values(document.paths ?? {}).some((pathItem) =>
    METHODS.some((method) => ((pathItem as Record<string, { security?: Array<Record<string, unknown>> } | undefined>)[method]?.security ?? []).some((r) => 'streamTicket' in r)),
  );
  if (!ticketed) delete document.components.securitySchemes['streamTicket'];
  return document;
}

function securityOf(access: RouteAccess): Array<Record<string, string[]>> {
  switch (access) {
    case 'public':
      return [];
    case 'optional':
    case 'authenticated':
      return [{ oidc: [] }];
    case 'customer':
      return [{ oidc: [AuthScopes.customer] }, { oidc: [AuthScopes.operator] }];
    case 'operator':
      return [{ oidc: [AuthScopes.operator] }];
    case 'scrape':
      return [{ oidc: [AuthScopes.operator] }, { oidc: [AuthScopes.metrics] }];
  }
}
