import type { JsMsg } from '@nats-io/jetstream';
import { ContractViolation, EnvelopeHeaders, isLogPosition, parseEnvelope, type EventCatalog, type EventEnvelope } from '@stockflow/contracts';
import type { DeadLetterReason } from './dead-letter.js';

/** An event as a consumer's handler sees it: the envelope, its payload upcast to the current version. */
export interface ReceivedEvent<TData = unknown> extends EventEnvelope<string, TData> {
  /** The subject the event arrived on. */
  readonly subject: string;
  /** 1 on first delivery; higher on redelivery. */
  readonly deliveryCount: number;
  /** The message's sequence in its stream: what an external checkpoint records. */
  readonly sequence: number;
}

/**
 * A message without the log position a relay writes on every event it publishes: not from a relay. Only
 * a context's relay may publish on its stream (ADR 0020); this is the consumers' defence in depth.
 */
export class NotRelayed extends Error {
  constructor(position: string | undefined) {
    super(position ? `not a relayed event: malformed ${EnvelopeHeaders.logPosition} header` : `not a relayed event: no ${EnvelopeHeaders.logPosition} header`);
    this.name = 'NotRelayed';
  }
}

/**
 * Parses a message as an envelope and upcasts its payload to the current version (validated).
 * Throws `NotRelayed` (no relay's log position), a `ContractViolation` or a plain error for a message that can never be handled.
 */
export function decodeReceivedEvent(catalog: EventCatalog, msg: JsMsg): ReceivedEvent {
  const position = msg.headers?.get(EnvelopeHeaders.logPosition);
  if (!isLogPosition(position)) throw new NotRelayed(position || undefined);
  // Three fields onto the envelope parseEnvelope built field by field (a spread of the parsed JSON was V8's slow path).
  return Object.assign(parseEnvelope(catalog, msg.data), { subject: msg.subject, deliveryCount: msg.info.deliveryCount, sequence: msg.seq });
}

/** The dead-letter reason for what `decodeReceivedEvent` threw. */
export function undecodableReason(error: unknown): DeadLetterReason {
  if (error instanceof NotRelayed) return 'not-relayed';
  return error instanceof ContractViolation ? error.reason : 'malformed-message';
}
