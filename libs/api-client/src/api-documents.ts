import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The HTTP services whose OpenAPI documents `npm run openapi` writes. */
export const API_SERVICES = ['orders', 'inventory', 'carts', 'notifications', 'notifier', 'projections'] as const;
export type ApiService = (typeof API_SERVICES)[number];

/** `docs/openapi/<service>.yaml`, from wherever this module is loaded (src in tests, dist at run time). */
export function apiDocumentPath(service: ApiService): string {
  return fileURLToPath(new URL(`../../../docs/openapi/${service}.yaml`, import.meta.url));
}

/** The committed OpenAPI document of a service, parsed. */
export function apiDocument(service: ApiService): OpenApiDocument {
  return parse(readFileSync(apiDocumentPath(service), 'utf8')) as OpenApiDocument;
}

export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components?: Record<string, Record<string, unknown>>;
}
