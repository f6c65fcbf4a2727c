import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';

export const DeadLetterHeaders = {
  reason: 'Stockflow-Dlq-Reason',
  error: 'Stockflow-Dlq-Error',
  consumer: 'Stockflow-Dlq-Consumer',
  sourceStream: 'Stockflow-Dlq-Source-Stream',
  sourceSubject: 'Stockflow-Dlq-Source-Subject',
  sourceSequence: 'Stockflow-Dlq-Source-Sequence',
  deliveries: 'Stockflow-Dlq-Deliveries',
} as const;

export type DeadLetterReason =
  | 'malformed-message'
  | 'not-relayed'
  | 'unknown-type'
  | 'unknown-version'
  | 'invalid-payload'
  | 'rejected-by-handler'
  | 'max-deliveries';

const MAX_ERROR_HEADER = 1000;

/**
 * Copies a message, unchanged, to `<dlq prefix>.<consumer>` with why it failed. The message id
 * makes a repeat (crash between this publish and the ack) a no-op on the server.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  subjectPrefix: string,
  consumer: string,
  msg: JsMsg,
  reason: DeadLetterReason,
  error: unknown,
): Promise<void> {
  const h = headers();
  h.set(DeadLetterHeaders.reason, reason);
  h.set(DeadLetterHeaders.error, oneLine(error).slice(0, MAX_ERROR_HEADER));
  h.set(DeadLetterHeaders.consumer, consumer);
  h.set(DeadLetterHeaders.sourceStream, msg.info.stream);
  h.set(DeadLetterHeaders.sourceSubject, msg.subject);
  h.set(DeadLetterHeaders.sourceSequence, String(msg.seq));
  h.set(DeadLetterHeaders.deliveries, String(msg.info.deliveryCount));
  const original = msg.headers;
  if (original) for (const [key, values] of original) if (!key.startsWith('Nats-')) for (const v of values) h.append(key, v);
  await js.publish(`${subjectPrefix}.${consumer}`, msg.data, { msgID: `${consumer}:${msg.info.stream}:${msg.seq}`, headers: h });
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/[\r\n]+/g, ' ');
}
