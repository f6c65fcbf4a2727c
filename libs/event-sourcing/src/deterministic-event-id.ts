import { createHash } from 'node:crypto';

/** The UUID namespace of stockflow's name-based event ids (RFC 9562 §5.5; any fixed UUID would do). */
const STOCKFLOW_EVENT_NAMESPACE = Buffer.from('6f3c1a52a4e84b0e9d5e2f8b7c1d0a93', 'hex');

/**
 * The id of the `index`-th event of a piece of work named `name` (e.g. an Idempotency-Key's request,
 * the stream and its n-th append): the same name gives the same id, so a repeat of the work can find
 * what it wrote before (ADR 0046). A version-5 (SHA-1, name-based) UUID.
 */
export function deterministicEventId(name: string, index: number): string {
  const hash = createHash('sha1').update(STOCKFLOW_EVENT_NAMESPACE).update(`${name}\0${index}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
