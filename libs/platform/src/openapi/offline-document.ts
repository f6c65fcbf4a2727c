import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DynamicModule, Type } from '@nestjs/common';
import { MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { stringify } from 'yaml';
import { MetadataScanner } from '@nestjs/core';
import { StreamTicketsController } from '../auth/stream-tickets.controller.js';
import { declaredQueryKeys, STREAM_TICKET_QUERY_KEY } from '../request-shape/declared-query.js';
import { documentProblems } from './document-problems.js';
import { describeApi, type OpenApiOptions } from './openapi-document.js';

/** Where `@ApiOperation` keeps its options (@nestjs/swagger's `DECORATORS.API_OPERATION`, not exported from its entry point). */
const API_OPERATION_METADATA = 'swagger/apiOperation';

/** What `npm run openapi` needs of a service: its name, title and its HTTP controllers. */
export interface DescribedService {
  readonly name: string;
  readonly openApi: OpenApiOptions;
  readonly controllers: readonly Type<unknown>[];
  /** Whether its POSTs honour `Idempotency-Key` (a service with an event log of its own); default true. */
  readonly idempotentPosts?: boolean;
}

/** Every controller of a module and of the modules it imports, in declaration order. */
export function controllersOf(module: Type<unknown> | DynamicModule): Type<unknown>[] {
  const found: Type<unknown>[] = [];
  const visit = (entry: Type<unknown> | DynamicModule, seen: Set<unknown>): void => {
    const type = 'module' in entry ? entry.module : entry;
    if (seen.has(entry)) return;
    seen.add(entry);
    const declared = [
      ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) ?? []) as Type<unknown>[]),
      ...('module' in entry ? (entry.controllers ?? []) : []),
    ];
    const imports = [...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) ?? []) as unknown[]), ...('module' in entry ? (entry.imports ?? []) : [])];
    for (const controller of declared) if (!found.includes(controller)) found.push(controller);
    for (const imported of imports) if (typeof imported === 'function' || (imported && typeof imported === 'object' && 'module' in imported)) visit(imported as Type<unknown> | DynamicModule, seen);
  };
  visit(module, new Set());
  return found;
}

/**
 * The service's OpenAPI document without a database, a broker or a port: its controllers (and the
 * platform's, as a deployment with authentication serves them) compiled into a module whose every
 * dependency is an empty stand-in. Only route metadata is read; no handler runs.
 */
export async function offlineApiDocument(service: DescribedService): Promise<OpenAPIObject> {
  const moduleRef = await Test.createTestingModule({ controllers: [...service.controllers, StreamTicketsController] })
    .useMocker(() => ({}))
    .compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  try {
    return describeApi(app, service.openApi, null, { idempotentPosts: service.idempotentPosts ?? true });
  } finally {
    await app.close();
  }
}

/**
 * Query parameters a route accepts (the request-shape guard lets exactly these through, ADR 0027)
 * but its document does not show, or shows but the route would refuse: one line each.
 */
export function queryParameterMismatches(document: OpenAPIObject, controllers: readonly Type<unknown>[]): string[] {
  const byOperationId = new Map<string, Record<string, unknown>>();
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(pathItem as Record<string, Record<string, unknown>>)) {
      if (operation && typeof operation === 'object' && typeof operation['operationId'] === 'string') byOperationId.set(operation['operationId'], operation);
    }
  }
  const mismatches: string[] = [];
  const scanner = new MetadataScanner();
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, object>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      if (Reflect.getMetadata(PATH_METADATA, prototype[name]!) === undefined) continue;
      const operationId = (Reflect.getMetadata(API_OPERATION_METADATA, prototype[name]!) as { operationId?: string } | undefined)?.operationId;
      const operation = operationId ? byOperationId.get(operationId) : undefined;
      if (!operation) continue;
      // The stream ticket is documented as a security scheme (ADR 0025), whether or not a route names it too.
      const accepted = new Set((declaredQueryKeys(controller, name) ?? []).filter((key) => key !== STREAM_TICKET_QUERY_KEY));
      const documented = new Set(((operation['parameters'] ?? []) as Array<Record<string, unknown>>).filter((p) => p['in'] === 'query').map((p) => String(p['name'])).filter((key) => key !== STREAM_TICKET_QUERY_KEY));
      for (const key of accepted) if (!documented.has(key)) mismatches.push(`${operationId}: accepts ?${key} but does not document it (@ApiProperty on the query DTO)`);
      for (const key of documented) if (!accepted.has(key)) mismatches.push(`${operationId}: documents ?${key} but refuses it`);
    }
  }
  return mismatches;
}

export function openApiYaml(document: OpenAPIObject): string {
  return `# Generated by \`npm run openapi\` from the service's controllers; do not edit.\n${stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/**
 * An app's `openapi` entry point: writes its document to the path given (`docs/openapi/<name>.yaml`),
 * or with `--check` exits 1 when the committed file differs from what the code describes. Either way
 * it refuses a document a client generator would trip over (`documentProblems`) or whose query
 * parameters differ from what the routes accept.
 */
export async function runOpenApiWriter(service: DescribedService, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const check = argv.includes('--check');
  const target = argv.find((arg) => !arg.startsWith('--')) ?? `docs/openapi/${service.name}.yaml`;
  const document = await offlineApiDocument(service);
  const problems = [...documentProblems(document), ...queryParameterMismatches(document, service.controllers)];
  if (problems.length > 0) {
    for (const problem of problems) console.error(`${service.name}: ${problem}`);
    process.exit(1);
  }
  const text = openApiYaml(document);
  if (check) {
    const committed = await readFile(target, 'utf8').catch(() => null);
    if (committed !== text) {
      console.error(`${target} is stale: run npm run openapi and commit it`);
      process.exit(1);
    }
    return;
  }
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, text);
  console.log(`openapi: wrote ${target}`);
}
