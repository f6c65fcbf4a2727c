import { headers, type MsgHdrs } from '@nats-io/nats-core';
import type { JetStreamClient, JetStreamManager, MsgRequest, StoredMsg } from '@nats-io/jetstream';
import type { SubjectScheme } from '@stockflow/contracts';
import { DeadLetterHeaders } from './dead-letter.js';
import { deadLetterStreamSpec, deadLetterSubjectPrefix, ensureStream, isNotFound, replayStreamSpec, replaySubject } from './stream-provisioning.js';

/** One dead letter as an operator reads it. */
export interface DeadLetter {
  /** Its sequence in the dead-letter stream: what `replay --seq` names. */
  readonly seq: number;
  readonly consumer: string;
  readonly deadLetteredAt: string;
  readonly reason: string;
  readonly error: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly source: string;
  readonly deliveries: number;
}

const DLQ_HEADERS = new Set<string>(Object.values(DeadLetterHeaders));

/** The dead letters of `consumer`, oldest first (at most `limit`), read without consuming them. */
export async function listDeadLetters(jsm: JetStreamManager, consumer: string, scheme: SubjectScheme = {}, limit = 100): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for await (const stored of storedDeadLetters(jsm, consumer, scheme)) {
    letters.push(describe(stored, consumer));
    if (letters.length >= limit) break;
  }
  return letters;
}

export interface ReplayResult {
  readonly replayed: number;
  readonly seqs: readonly number[];
}

/**
 * Sends dead letters of `consumer` back to that consumer only (ADR 0036): each is copied, body and
 * headers as the relay published them, to `[<ns>.]replay.<consumer>` — which the consumer's replay
 * side reads through the same handlers, inbox and dead-letter policy — and only once the replay
 * stream has stored it is the dead letter deleted. The copy's message id is the dead letter's
 * (`replay:<stream>:<seq>`), so a replay repeated after a crash between the two steps is dropped
 * by JetStream; beyond its duplicate window the consumer's own idempotency (inbox, keyed writes)
 * makes a second delivery harmless. `seq` replays one; otherwise every one there was when the
 * replay began (oldest first): one that fails again is dead-lettered anew, not replayed in a loop.
 */
export async function replayDeadLetters(
  js: JetStreamClient,
  jsm: JetStreamManager,
  consumer: string,
  options: { readonly scheme?: SubjectScheme; readonly seq?: number; readonly onProgress?: (done: number) => void } = {},
): Promise<ReplayResult> {
  const scheme = options.scheme ?? {};
  const dlq = deadLetterStreamSpec(scheme).name;
  await ensureStream(jsm, replayStreamSpec(scheme));
  const seqs: number[] = [];
  // Only what was dead-lettered before the replay began: a replayed message that fails again is
  // dead-lettered anew, behind this point, and must wait for the next replay rather than loop.
  const upTo = await lastSequence(jsm, dlq);
  const letters = options.seq !== undefined ? [await oneDeadLetter(jsm, consumer, options.seq, scheme)] : storedDeadLetters(jsm, consumer, scheme);
  for await (const stored of letters) {
    if (stored.seq > upTo) break;
    await js.publish(replaySubject(consumer, scheme), stored.data, { msgID: `replay:${dlq}:${stored.seq}`, headers: withoutDeadLetterHeaders(stored.header) });
    await jsm.streams.deleteMessage(dlq, stored.seq, false);
    seqs.push(stored.seq);
    options.onProgress?.(seqs.length);
  }
  return { replayed: seqs.length, seqs };
}

/** Deletes every dead letter of `consumer`; how many there were. */
export async function purgeDeadLetters(jsm: JetStreamManager, consumer: string, scheme: SubjectScheme = {}): Promise<number> {
  try {
    const { purged } = await jsm.streams.purge(deadLetterStreamSpec(scheme).name, { filter: `${deadLetterSubjectPrefix(scheme)}.${consumer}` });
    return purged;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

async function lastSequence(jsm: JetStreamManager, stream: string): Promise<number> {
  try {
    return (await jsm.streams.info(stream)).state.last_seq;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

async function oneDeadLetter(jsm: JetStreamManager, consumer: string, seq: number, scheme: SubjectScheme): Promise<StoredMsg> {
  const stored = await jsm.streams.getMessage(deadLetterStreamSpec(scheme).name, { seq }).catch((error: unknown) => {
    if (isNotFound(error)) return null;
    throw error;
  });
  if (!stored || stored.subject !== `${deadLetterSubjectPrefix(scheme)}.${consumer}`) throw new Error(`no dead letter ${seq} of ${consumer}`);
  return stored;
}

/** The stored dead letters of one consumer in stream order, one request each (`next_by_subj`, NATS 2.9+). */
async function* storedDeadLetters(jsm: JetStreamManager, consumer: string, scheme: SubjectScheme): AsyncGenerator<StoredMsg> {
  const stream = deadLetterStreamSpec(scheme).name;
  const subject = `${deadLetterSubjectPrefix(scheme)}.${consumer}`;
  let next = 1;
  for (;;) {
    let stored: StoredMsg | null;
    try {
      // `next_by_subj` is the server's MSG.GET request field; the client types only name seq and last_by_subj.
      stored = await jsm.streams.getMessage(stream, { seq: next, next_by_subj: subject } as unknown as MsgRequest);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (!stored) return;
    yield stored;
    next = stored.seq + 1;
  }
}

function withoutDeadLetterHeaders(original: MsgHdrs | undefined): MsgHdrs {
  const copy = headers();
  if (original) for (const [key, values] of original) if (!DLQ_HEADERS.has(key) && !key.startsWith('Nats-')) for (const value of values) copy.append(key, value);
  return copy;
}

function describe(stored: StoredMsg, consumer: string): DeadLetter {
  const header = (name: string): string => stored.header?.get(name) ?? '';
  let eventType = header('Stockflow-Event-Type');
  let eventId = '';
  try {
    const body = JSON.parse(new TextDecoder().decode(stored.data)) as { type?: unknown; eventId?: unknown };
    if (typeof body.type === 'string') eventType ||= body.type;
    if (typeof body.eventId === 'string') eventId = body.eventId;
  } catch {
    // A malformed message is one reason to be here: shown without its type.
  }
  return {
    seq: stored.seq,
    consumer,
    deadLetteredAt: stored.time.toISOString(),
    reason: header(DeadLetterHeaders.reason),
    error: header(DeadLetterHeaders.error),
    eventType,
    eventId,
    source: `${header(DeadLetterHeaders.sourceStream)} ${header(DeadLetterHeaders.sourceSubject)} #${header(DeadLetterHeaders.sourceSequence)}`,
    deliveries: Number(header(DeadLetterHeaders.deliveries)) || 0,
  };
}
