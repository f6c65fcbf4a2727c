import { breakingChanges } from './compatibility.js';

type Json = Record<string, unknown>;

/** A released AsyncAPI document of the event catalog (`docs/asyncapi/<version>.yaml`). */
export interface CatalogRelease {
  readonly version: string;
  readonly document: Json;
}

/** The payload schema of each event version a document describes, keyed `<Type>.v<version>`. */
export function eventSchemasOf(document: Json): Record<string, Json> {
  const messages = ((document['components'] as Json | undefined)?.['messages'] ?? {}) as Record<string, Json>;
  const schemas: Record<string, Json> = {};
  for (const [id, message] of Object.entries(messages)) {
    const data = ((message['payload'] as Json | undefined)?.['properties'] as Json | undefined)?.['data'];
    if (/\.v\d+$/.test(id) && data) schemas[id] = data as Json;
  }
  return schemas;
}

/** Orders `1.2.10` after `1.2.9`. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/**
 * The breaking-change gate (ADR 0035): what is wrong with the current catalog document against the
 * last release — each breaking change to an event version that release had, and a catalog that
 * differs from the release it still claims to be (`info.version` not bumped) or claims an older one.
 */
export function catalogGateProblems(current: Json, releases: readonly CatalogRelease[]): string[] {
  if (releases.length === 0) return ['no released catalog under docs/asyncapi/: release the current one (npm run asyncapi -- --release)'];
  const last = [...releases].sort((a, b) => compareVersions(a.version, b.version)).at(-1)!;
  const version = String((current['info'] as Json | undefined)?.['version'] ?? '');
  const before = eventSchemasOf(last.document);
  const now = eventSchemasOf(current);
  const problems = breakingChanges(before, now);
  const order = compareVersions(version, last.version);
  if (order < 0) problems.push(`info.version ${version} is older than the last release ${last.version}`);
  if (order === 0 && JSON.stringify(current) !== JSON.stringify(last.document)) {
    problems.push(`the catalog differs from release ${last.version} but still says ${version}: bump ASYNCAPI_VERSION (libs/contracts/src/asyncapi-location.ts) — minor for an additive change`);
  }
  return problems;
}
