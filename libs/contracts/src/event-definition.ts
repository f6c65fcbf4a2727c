import type { Static, TSchema } from '@sinclair/typebox';

/** Turns the payload of version N-1 into the payload of version N. */
export type Upcaster = (previous: unknown) => unknown;

export interface EventVersion<TSchemaType extends TSchema = TSchema> {
  readonly version: number;
  readonly schema: TSchemaType;
  /** Required from version 2 on: how a payload of the version before becomes this one. */
  readonly upcastFromPrevious?: Upcaster;
}

/**
 * One source of truth for an event type: its name, where it is published, its payload schema in
 * every version (JSON Schema via TypeBox) and the upcasters between them. The TypeScript type of
 * the current payload is derived from the last schema, so type and schema never drift apart.
 */
export interface EventDefinition<TType extends string = string, TCurrent extends TSchema = TSchema> {
  readonly type: TType;
  /** Bounded context that owns and publishes the event, e.g. `inventory`. */
  readonly context: string;
  /** Aggregate (stream category) the event belongs to, e.g. `sku`. */
  readonly aggregate: string;
  readonly description: string;
  readonly versions: readonly EventVersion[];
  readonly currentVersion: number;
  readonly currentSchema: TCurrent;
}

export type PayloadOf<D> = D extends EventDefinition<string, infer S> ? Static<S> : never;
export type TypeOf<D> = D extends EventDefinition<infer T, TSchema> ? T : never;

/** A domain event as deciders produce it: type and current-version payload, no envelope yet. */
export type DomainEventOf<D> = D extends EventDefinition<infer T, infer S> ? { type: T; data: Static<S> } : never;

export function defineEvent<TType extends string, TCurrent extends TSchema>(spec: {
  type: TType;
  context: string;
  aggregate: string;
  description: string;
  /** Oldest first; the last one is current. */
  versions: readonly [...EventVersion[], EventVersion<TCurrent>];
}): EventDefinition<TType, TCurrent> {
  const versions = spec.versions;
  versions.forEach((v, index) => {
    if (v.version !== index + 1) {
      throw new Error(`${spec.type}: versions must be numbered 1, 2, 3… in order (found ${v.version} at ${index + 1})`);
    }
    if (index > 0 && !v.upcastFromPrevious) {
      throw new Error(`${spec.type} v${v.version}: an upcaster from v${v.version - 1} is required`);
    }
  });
  const current = versions[versions.length - 1] as EventVersion<TCurrent>;
  return {
    type: spec.type,
    context: spec.context,
    aggregate: spec.aggregate,
    description: spec.description,
    versions,
    currentVersion: current.version,
    currentSchema: current.schema,
  };
}
