import type { Type } from '@nestjs/common';
import { MetadataScanner } from '@nestjs/core';
import { consumersOf } from '@stockflow/contracts';
import type { ConsumerSpec } from './run-service.js';

/** Where `@EventPattern` keeps its pattern (@nestjs/microservices' `PATTERN_METADATA`). */
const PATTERN_METADATA = 'microservices:pattern';

/**
 * How a process's durable consumers and event handlers differ from what the contracts say it
 * consumes (`EVENT_CONSUMERS`, which the AsyncAPI document and the NATS permissions are made of):
 * one line per durable or event type on one side only. An app's test holds this to `[]`.
 */
export function consumerContractMismatches(process: string, consumers: readonly ConsumerSpec[], controllers: readonly Type<unknown>[]): string[] {
  const declared = consumersOf(process);
  const mismatches: string[] = [];
  for (const spec of consumers) {
    const match = declared.find((c) => c.durable === spec.durable);
    if (!match) mismatches.push(`${process} runs ${spec.durable}, which EVENT_CONSUMERS does not list`);
    else if (match.sourceContext !== spec.sourceContext || match.aggregate !== (spec.aggregate ?? match.aggregate)) mismatches.push(`${spec.durable} reads ${spec.sourceContext}.${spec.aggregate}, EVENT_CONSUMERS says ${match.sourceContext}.${match.aggregate}`);
  }
  for (const consumer of declared) if (!consumers.some((spec) => spec.durable === consumer.durable)) mismatches.push(`EVENT_CONSUMERS lists ${consumer.durable} for ${process}, which does not run it`);
  const handled = new Set<string>();
  const scanner = new MetadataScanner();
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, object>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      for (const pattern of (Reflect.getMetadata(PATTERN_METADATA, prototype[name]!) ?? []) as unknown[]) if (typeof pattern === 'string') handled.add(pattern);
    }
  }
  const contracted = new Set(declared.flatMap((c) => c.handles));
  for (const type of handled) if (!contracted.has(type)) mismatches.push(`${process} handles ${type}, which no consumer of it lists in EVENT_CONSUMERS`);
  for (const type of contracted) if (!handled.has(type)) mismatches.push(`EVENT_CONSUMERS says ${process} handles ${type}, but no @EventPattern('${type}') does`);
  return mismatches;
}
