import {
  ANY,
  jsonEvent,
  NO_STREAM,
  STREAM_EXISTS,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type CurrentRevision,
  type EventData,
  type JSONType,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { EventToAppend, ExpectedVersion, RecordedEvent } from '@stockflow/event-sourcing';

/**
 * Pure translations between the EventStore port and EventStoreDB. Stream positions in the port are
 * 1-based (version = last position, 0 = no stream); EventStoreDB revisions are 0-based, so
 * `streamPosition = revision + 1` throughout.
 */

/** What the adapter stores as an event's custom metadata (JSON) next to its data. */
export interface StoredEventMetadata {
  readonly schemaVersion: number;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent: string | null;
}

/** An event as the client returns it from a stream read or an `$all` read/subscription. */
export type EsdbResolvedEvent = ResolvedEvent | AllStreamResolvedEvent;

/** `"<commit>:<prepare>"`, both unsigned 64-bit decimals. */
const LOG_POSITION = /^(\d{1,20}):(\d{1,20})$/;
const UINT64_MAX = (1n << 64n) - 1n;

/** Our expected version → the client's expected revision. Throws RangeError for anything else. */
export function toExpectedRevision(expected: ExpectedVersion): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream' || expected === 0) return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected > 0) return BigInt(expected - 1);
  throw new RangeError(`invalid expected version ${String(expected)}`);
}

/** The client's current revision (as a WrongExpectedVersionError reports it) → our stream version. */
export function toStreamVersion(current: CurrentRevision | bigint | undefined): number {
  if (current === undefined || current === NO_STREAM) return 0;
  if (typeof current !== 'bigint' || current < 0n) return 0;
  return streamPositionOf(current);
}

/** 0-based revision → 1-based stream position. */
export function streamPositionOf(revision: bigint): number {
  return Number(revision) + 1;
}

/** 1-based stream position → 0-based revision. */
export function revisionOf(streamPosition: number): bigint {
  if (!Number.isSafeInteger(streamPosition) || streamPosition < 1) throw new RangeError(`invalid stream position ${streamPosition}`);
  return BigInt(streamPosition - 1);
}

export function encodeLogPosition(position: Position): string {
  return `${position.commit.toString(10)}:${position.prepare.toString(10)}`;
}

/** Parses a log position this adapter produced; null stays null (the start of the log). */
export function decodeLogPosition(logPosition: string | null): Position | null {
  if (logPosition === null) return null;
  const match = LOG_POSITION.exec(logPosition);
  if (!match) throw new RangeError(`not an EventStoreDB log position: "${logPosition}"`);
  const commit = BigInt(match[1]!);
  const prepare = BigInt(match[2]!);
  if (commit > UINT64_MAX || prepare > UINT64_MAX) throw new RangeError(`EventStoreDB log position out of range: "${logPosition}"`);
  return { commit, prepare };
}

/** Orders positions as `$all` does: by commit position, then prepare position. */
export function comparePositions(a: Position, b: Position): -1 | 0 | 1 {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/**
 * The event's position in `$all`. Reads of `$all` always carry it; stream reads carry it from
 * EventStoreDB 22.6 on (older servers only give the commit position of the resolved event, if any).
 */
export function positionOf(resolved: EsdbResolvedEvent): Position | null {
  const recorded = resolved.event;
  if (recorded?.position) return recorded.position;
  if (resolved.commitPosition !== undefined) return { commit: resolved.commitPosition, prepare: resolved.commitPosition };
  return null;
}

/** The event as the client sends it: JSON data, our envelope fields as JSON metadata. */
export function toEventData(event: EventToAppend): EventData {
  const metadata: StoredEventMetadata = {
    schemaVersion: event.schemaVersion,
    correlationId: event.correlationId,
    causationId: event.causationId,
    traceparent: event.traceparent,
  };
  // The client JSON-encodes `data` whatever it is; its JSONType only names the usual shapes.
  return jsonEvent({ id: event.eventId, type: event.type, data: event.data as JSONType, metadata: { ...metadata } });
}

/** The envelope fields from an event's metadata, or null when the event was not written by this adapter. */
export function readStoredMetadata(metadata: unknown): StoredEventMetadata | null {
  if (metadata === null || typeof metadata !== 'object' || metadata instanceof Uint8Array || Array.isArray(metadata)) return null;
  const m = metadata as Record<string, unknown>;
  if (!Number.isSafeInteger(m['schemaVersion']) || typeof m['correlationId'] !== 'string') return null;
  const causationId = m['causationId'] ?? null;
  const traceparent = m['traceparent'] ?? null;
  if ((causationId !== null && typeof causationId !== 'string') || (traceparent !== null && typeof traceparent !== 'string')) return null;
  return { schemaVersion: m['schemaVersion'] as number, correlationId: m['correlationId'], causationId, traceparent };
}

/** System streams (`$stats-…`, `$$metadata`, projections' `$ce-…`) and system event types start with `$`. */
export function isSystemEvent(resolved: EsdbResolvedEvent): boolean {
  const recorded = resolved.event;
  return recorded === undefined || recorded.type.startsWith('$') || recorded.streamId.startsWith('$') || resolved.link !== undefined;
}

/**
 * Maps an event to the port's RecordedEvent, or returns null for what the port does not deliver:
 * system events, link events, non-JSON events and events without our metadata, or (on servers
 * before 22.6) a stream read without positions.
 */
export function toRecordedEvent(resolved: EsdbResolvedEvent): RecordedEvent | null {
  if (isSystemEvent(resolved)) return null;
  const recorded = resolved.event!;
  if (!recorded.isJson) return null;
  const metadata = readStoredMetadata(recorded.metadata);
  const position = positionOf(resolved);
  if (metadata === null || position === null) return null;
  return {
    eventId: recorded.id,
    type: recorded.type,
    schemaVersion: metadata.schemaVersion,
    streamId: recorded.streamId,
    streamPosition: streamPositionOf(recorded.revision),
    globalPosition: Number(position.commit),
    occurredAt: recorded.created.toISOString(),
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    traceparent: metadata.traceparent,
    data: recorded.data,
    logPosition: encodeLogPosition(position),
  };
}

/** Like toRecordedEvent, but an event the port cannot represent is an error (used for stream reads). */
export function toRecordedEventStrict(resolved: EsdbResolvedEvent): RecordedEvent {
  const event = toRecordedEvent(resolved);
  if (event) return event;
  const recorded = resolved.event;
  if (recorded && !isSystemEvent(resolved) && recorded.isJson && readStoredMetadata(recorded.metadata) && !positionOf(resolved)) {
    throw new Error(`event ${recorded.id} carries no log position: the EventStoreDB adapter needs server 22.6 or later`);
  }
  throw new Error(`event ${recorded?.id ?? '(none)'} in stream ${recorded?.streamId ?? '(unknown)'} was not written through the EventStore port`);
}
