import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { EventDefinition } from './event-definition.js';
import { readerSchema } from './compatibility.js';
import { registerContractFormats } from './formats.js';

export type ContractViolationReason = 'unknown-type' | 'unknown-version' | 'invalid-payload';

/** An event that does not satisfy its contract. Consumers dead-letter it; appends reject it. */
export class ContractViolation extends Error {
  constructor(
    readonly reason: ContractViolationReason,
    readonly eventType: string,
    readonly schemaVersion: number,
    readonly details: readonly string[] = [],
  ) {
    super(`${eventType} v${schemaVersion}: ${reason}${details.length ? ` (${details.join('; ')})` : ''}`);
    this.name = 'ContractViolation';
  }
}

interface CompiledDefinition {
  readonly definition: EventDefinition;
  /** Each version's schema as written: what an append must satisfy. */
  readonly checks: readonly TypeCheck<TSchema>[];
  /** Each version as readers hold it: unknown fields tolerated (ADR 0035). */
  readonly readerChecks: readonly TypeCheck<TSchema>[];
}

const MAX_REPORTED_ERRORS = 5;

/** Validates and upcasts event payloads against the registered definitions. */
export class EventCatalog {
  private readonly byType = new Map<string, CompiledDefinition>();

  constructor(definitions: Iterable<EventDefinition>) {
    registerContractFormats();
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) throw new Error(`event type ${definition.type} is defined twice`);
      this.byType.set(definition.type, {
        definition,
        checks: definition.versions.map((v) => TypeCompiler.Compile(v.schema)),
        readerChecks: definition.versions.map((v) => TypeCompiler.Compile(readerSchema(v.schema))),
      });
    }
  }

  get definitions(): EventDefinition[] {
    return [...this.byType.values()].map((c) => c.definition);
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  definition(type: string): EventDefinition {
    const compiled = this.byType.get(type);
    if (!compiled) throw new ContractViolation('unknown-type', type, 0);
    return compiled.definition;
  }

  currentVersion(type: string): number {
    return this.definition(type).currentVersion;
  }

  /**
   * Throws a ContractViolation unless `data` is a valid payload of `type` at `schemaVersion`: the
   * producer's check before an append, so no field outside the schema enters the log.
   */
  validate(type: string, schemaVersion: number, data: unknown): void {
    this.check('checks', type, schemaVersion, data);
  }

  private check(which: 'checks' | 'readerChecks', type: string, schemaVersion: number, data: unknown): void {
    const compiled = this.byType.get(type);
    if (!compiled) throw new ContractViolation('unknown-type', type, schemaVersion);
    const check = compiled[which][schemaVersion - 1];
    if (!Number.isInteger(schemaVersion) || !check) throw new ContractViolation('unknown-version', type, schemaVersion);
    if (check.Check(data)) return;
    const details: string[] = [];
    for (const error of check.Errors(data)) {
      details.push(`${error.path || '/'}: ${error.message}`);
      if (details.length === MAX_REPORTED_ERRORS) break;
    }
    throw new ContractViolation('invalid-payload', type, schemaVersion, details);
  }

  /**
   * Validates a stored or received payload at its own version as a reader (fields it does not know
   * are tolerated, ADR 0035), then upcasts it step by step to the current version and validates
   * the result, so handlers only ever see current payloads.
   */
  upcast(type: string, schemaVersion: number, data: unknown): { schemaVersion: number; data: unknown } {
    this.check('readerChecks', type, schemaVersion, data);
    const { definition } = this.byType.get(type)!;
    let payload = data;
    for (let v = schemaVersion + 1; v <= definition.currentVersion; v++) {
      payload = definition.versions[v - 1]!.upcastFromPrevious!(payload);
    }
    if (schemaVersion !== definition.currentVersion) this.check('readerChecks', type, definition.currentVersion, payload);
    return { schemaVersion: definition.currentVersion, data: payload };
  }
}
