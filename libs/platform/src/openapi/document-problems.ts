import type { OpenAPIObject } from '@nestjs/swagger';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * What a client generator or a reader of the document would trip over, beyond what the OpenAPI
 * linter checks: Nest's default operationIds (`GetOrderController_get`), operations without a
 * summary, a property whose type Nest could not see (`string | null` reflects as `object`), and a
 * JSON request or success body without an example of each field. `npm run openapi` refuses to
 * write a document with any; each line says where and what to add.
 */
export function documentProblems(document: OpenAPIObject): string[] {
  const problems: string[] = [];
  const schemas = (document.components?.schemas ?? {}) as Record<string, Json>;
  const resolve = (schema: Json): Json => {
    const ref = schema['$ref'];
    return typeof ref === 'string' ? (schemas[ref.split('/').pop()!] ?? {}) : schema;
  };
  const checkSchema = (schema: Json, where: string, seen: Set<Json>): void => {
    const resolved = resolve(schema);
    if (seen.has(resolved)) return;
    seen.add(resolved);
    for (const key of ['allOf', 'oneOf', 'anyOf'] as const) for (const part of (resolved[key] as Json[] | undefined) ?? []) checkSchema(part, where, seen);
    if (resolved['type'] === 'array' && resolved['items']) checkSchema(resolved['items'] as Json, `${where}[]`, seen);
    const properties = (resolved['properties'] ?? {}) as Record<string, Json>;
    for (const [name, property] of Object.entries(properties)) {
      const at = `${where}.${name}`;
      if ('$ref' in property || property['allOf'] || property['oneOf'] || (property['type'] === 'object' && property['properties'])) {
        checkSchema(property, at, seen);
        continue;
      }
      if (property['type'] === 'object' && !property['properties'] && !property['additionalProperties']) problems.push(`${at}: type object with no properties (give @ApiProperty a type)`);
      if (property['type'] === 'array' && property['items']) {
        const items = property['items'] as Json;
        if ('$ref' in items) checkSchema(items, `${at}[]`, seen);
        else if (property['example'] === undefined && items['example'] === undefined && !items['enum']) problems.push(`${at}: no example`);
        continue;
      }
      if (property['example'] === undefined && !property['enum'] && property['type'] !== 'boolean') problems.push(`${at}: no example`);
    }
  };
  for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (pathItem as Record<string, Json | undefined>)[method];
      if (!operation) continue;
      const name = `${method.toUpperCase()} ${path}`;
      const operationId = String(operation['operationId'] ?? '');
      if (!operationId || operationId.includes('Controller_')) problems.push(`${name}: name its operationId with @ApiOperation({ operationId })`);
      if (!operation['summary']) problems.push(`${name}: no summary`);
      const body = ((operation['requestBody'] as Json | undefined)?.['content'] as Record<string, Json> | undefined)?.['application/json'];
      if (body?.['schema']) checkSchema(body['schema'] as Json, `${name} request`, new Set());
      for (const [status, answer] of Object.entries((operation['responses'] ?? {}) as Record<string, Json>)) {
        if (!status.startsWith('2')) continue;
        const json = (answer['content'] as Record<string, Json> | undefined)?.['application/json'];
        if (json?.['schema']) checkSchema(json['schema'] as Json, `${name} ${status}`, new Set());
      }
    }
  }
  return problems;
}
