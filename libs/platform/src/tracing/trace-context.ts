import { randomFillSync } from 'node:crypto';

/** The parts of a W3C `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header). */
export interface TraceParent {
  readonly version: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: string;
}

const HEX_2 = /^[0-9a-f]{2}$/;
const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_16 = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** Flags of a trace this service starts: `01` (sampled), so downstream services keep it. */
const DEFAULT_FLAGS = '01';

/**
 * Parses a `traceparent` header. Returns `null` for anything the W3C spec says to ignore: bad
 * lengths, upper-case hex, version `ff`, an all-zero trace or span id, or a version-00 header with
 * trailing data. Headers of a later version are accepted by their first four fields, as the spec asks.
 */
export function parseTraceparent(header: string | readonly string[] | null | undefined): TraceParent | null {
  if (typeof header !== 'string') return null;
  const value = header.trim();
  if (value.length < 55) return null;
  const [version, traceId, spanId, flags, ...rest] = value.split('-');
  if (!version || !HEX_2.test(version) || version === 'ff') return null;
  if (version === '00' ? value.length !== 55 || rest.length > 0 : value.length > 55 && value[55] !== '-') return null;
  if (!traceId || !HEX_32.test(traceId) || traceId === ZERO_TRACE_ID) return null;
  if (!spanId || !HEX_16.test(spanId) || spanId === ZERO_SPAN_ID) return null;
  if (!flags || !HEX_2.test(flags)) return null;
  return { version, traceId, spanId, flags };
}

/** True when `header` is a `traceparent` this service would accept. */
export function isValidTraceparent(header: string | null | undefined): header is string {
  return parseTraceparent(header) !== null;
}

export function formatTraceparent(parts: Pick<TraceParent, 'traceId' | 'spanId' | 'flags'>): string {
  return `00-${parts.traceId}-${parts.spanId}-${parts.flags}`;
}

// Ids come from a pooled random buffer refilled 4 KiB at a time (as node's randomUUID does): a
// randomBytes call per id was 7–8% of a command's CPU in the receipts benchmark's profile.
const RANDOM_POOL_BYTES = 4096;
const randomPool = Buffer.allocUnsafe(RANDOM_POOL_BYTES);
let randomOffset = RANDOM_POOL_BYTES;

function randomHex(bytes: number): string {
  if (randomOffset + bytes > RANDOM_POOL_BYTES) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const hex = randomPool.toString('hex', randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return hex;
}

export function newTraceId(): string {
  let id: string;
  do id = randomHex(16);
  while (id === ZERO_TRACE_ID);
  return id;
}

export function newSpanId(): string {
  let id: string;
  do id = randomHex(8);
  while (id === ZERO_SPAN_ID);
  return id;
}

/** A `traceparent` that starts a new trace: random trace id and span id, sampled. */
export function newTraceparent(): string {
  return formatTraceparent({ traceId: newTraceId(), spanId: newSpanId(), flags: DEFAULT_FLAGS });
}

/**
 * The `traceparent` of a child span: the same trace id and flags as `parent`, a new span id. Use it
 * for outgoing calls and NATS message headers. An invalid or missing parent starts a new trace.
 */
export function childTraceparent(parent: string | null | undefined): string {
  const parsed = parseTraceparent(parent);
  if (!parsed) return newTraceparent();
  // Only the sampled bit is defined for version 00; other bits are dropped when re-emitting as 00.
  const flags = (parseInt(parsed.flags, 16) & 0x01).toString(16).padStart(2, '0');
  return formatTraceparent({ traceId: parsed.traceId, spanId: newSpanId(), flags });
}

/** The trace id of a `traceparent`, or `null` when it is invalid. */
export function traceIdOf(traceparent: string | null | undefined): string | null {
  return parseTraceparent(traceparent)?.traceId ?? null;
}
