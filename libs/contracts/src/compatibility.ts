import type { TSchema } from '@sinclair/typebox';
import type { EventDefinition } from './event-definition.js';

type Json = Record<string, unknown>;

/** Keywords that explain a schema without constraining a payload: changing them breaks nobody. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', 'example', 'default', '$comment']);

/**
 * The schema readers hold an event to (ADR 0035): the producer's schema without
 * `additionalProperties: false` anywhere, so a reader ignores a field added after it was built.
 * Producers still append against the strict schema, so a misspelt field never enters the log.
 */
export function readerSchema<T extends TSchema>(schema: T): T {
  return tolerant(schema) as T;
}

/** A deep copy without `additionalProperties: false`, keeping TypeBox's symbol keys so it still compiles. */
function tolerant(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tolerant);
  if (!value || typeof value !== 'object') return value;
  const copy: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(value)) {
    const inner = (value as Record<string | symbol, unknown>)[key];
    if (key === 'additionalProperties' && inner === false) continue;
    copy[key] = tolerant(inner);
  }
  return copy;
}

/** Every event version of the catalog as readers see it, keyed `<Type>.v<version>`. */
export function publishedSchemas(definitions: readonly EventDefinition[]): Record<string, Json> {
  const schemas: Record<string, Json> = {};
  for (const definition of definitions) {
    for (const version of definition.versions) schemas[`${definition.type}.v${version.version}`] = plain(readerSchema(version.schema)) as unknown as Json;
  }
  return schemas;
}

/**
 * What a change of the catalog breaks for a reader built against `previous` or for events stored
 * under it (ADR 0035): an event version removed; in an existing version, a field removed, retyped
 * or newly required, an enum narrowed or widened, any other constraint changed. Adding an
 * optional field, a new event type or a new version of a type is additive. One line per break,
 * each naming the way out.
 */
export function breakingChanges(previous: Readonly<Record<string, Json>>, current: Readonly<Record<string, Json>>): string[] {
  const breaks: string[] = [];
  for (const [message, before] of Object.entries(previous)) {
    const after = current[message];
    if (!after) {
      breaks.push(`${message} was removed: stored events and running consumers still carry it; keep it (mark it superseded) and add a new version`);
      continue;
    }
    compare(before, after, message, breaks);
  }
  return breaks.map((line) => (line.includes('was removed:') ? line : `${line} — change the event as a new version with an upcaster instead (ADR 0035)`));
}

function compare(before: Json, after: Json, at: string, breaks: string[]): void {
  const beforeProperties = (before['properties'] ?? {}) as Record<string, Json>;
  const afterProperties = (after['properties'] ?? {}) as Record<string, Json>;
  const beforeRequired = new Set((before['required'] ?? []) as string[]);
  const afterRequired = new Set((after['required'] ?? []) as string[]);
  for (const [name, schema] of Object.entries(beforeProperties)) {
    const field = `${at}.${name}`;
    const now = afterProperties[name];
    if (!now) breaks.push(`${field}: field removed`);
    else compare(schema, now, field, breaks);
  }
  for (const name of afterRequired) {
    if (!beforeRequired.has(name)) breaks.push(`${at}.${name}: ${name in beforeProperties ? 'field made required' : 'new required field'}`);
  }
  for (const name of beforeRequired) {
    if (!afterRequired.has(name) && name in afterProperties) breaks.push(`${at}.${name}: field made optional (readers built against the old version rely on it)`);
  }
  if (before['items'] && after['items']) compare(before['items'] as Json, after['items'] as Json, `${at}[]`, breaks);
  const enumBefore = enumOf(before);
  const enumAfter = enumOf(after);
  if (enumBefore && enumAfter) {
    const removed = enumBefore.filter((value) => !enumAfter.includes(value));
    const added = enumAfter.filter((value) => !enumBefore.includes(value));
    if (removed.length > 0) breaks.push(`${at}: enum narrowed (no longer ${removed.map(String).join(', ')})`);
    if (added.length > 0) breaks.push(`${at}: enum widened (${added.map(String).join(', ')} is refused by readers built against the old version)`);
  }
  // Whatever else constrains this node (type, format, pattern, bounds, const, unions) must not move.
  const compared = enumBefore && enumAfter ? ['properties', 'required', 'items', 'enum', 'anyOf', 'const', 'type'] : ['properties', 'required', 'items'];
  const constraints = (schema: Json) => Object.fromEntries(Object.entries(schema).filter(([key]) => !ANNOTATIONS.has(key) && !compared.includes(key)));
  const was = JSON.stringify(sorted(constraints(before)));
  const is = JSON.stringify(sorted(constraints(after)));
  if (was !== is) breaks.push(`${at}: constraints changed from ${was} to ${is}`);
}

/** The values an enumeration allows: `enum`, a union of constants (TypeBox's `Union` of `Literal`s), or one constant. */
function enumOf(schema: Json): unknown[] | undefined {
  if (Array.isArray(schema['enum'])) return schema['enum'] as unknown[];
  if ('const' in schema) return [schema['const']];
  const anyOf = schema['anyOf'] as Json[] | undefined;
  if (anyOf && anyOf.length > 0 && anyOf.every((member) => 'const' in member)) return anyOf.map((member) => member['const']);
  return undefined;
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Json)
    .filter(([key]) => !ANNOTATIONS.has(key))
    .sort(([a], [b]) => a.localeCompare(b));
  return Object.fromEntries(entries.map(([key, inner]) => [key, sorted(inner)]));
}

/** Plain JSON: TypeBox's symbol keys dropped. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
