import type { JetStreamManager, MsgRequest, StoredMsg } from '@nats-io/jetstream';
import type { SubjectScheme } from '@stockflow/contracts';
import { DeadLetterHeaders } from './dead-letter.js';
import { deadLetterStreamSpec, deadLetterSubjectPrefix, isNotFound } from './stream-provisioning.js';

/** The dead letters of one consumer, as an operator lists them. */
export interface DeadLetterSummary {
  readonly consumer: string;
  readonly count: number;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  /** Why the newest one was given up (`DeadLetterReason`). */
  readonly lastReason: string;
  /** The newest one's error, one line, at most 300 characters. */
  readonly lastError: string;
  /** The stream and subject the newest one came from. */
  readonly lastSource: string;
}

/**
 * Every consumer that dead-lettered something, from the dead-letter stream itself (subject counts,
 * then its first and newest message per consumer): nothing is consumed or acknowledged, and it costs
 * three requests per consumer, whatever the stream holds. Most dead letters first.
 */
export async function summarizeDeadLetters(jsm: JetStreamManager, scheme: SubjectScheme = {}): Promise<DeadLetterSummary[]> {
  const stream = deadLetterStreamSpec(scheme).name;
  const prefix = `${deadLetterSubjectPrefix(scheme)}.`;
  let info;
  try {
    info = await jsm.streams.info(stream, { subjects_filter: '>' });
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const subjects = Object.entries(info.state.subjects ?? {}).filter(([subject, count]) => subject.startsWith(prefix) && count > 0);
  const summaries = await Promise.all(
    subjects.map(async ([subject, count]): Promise<DeadLetterSummary | null> => {
      // `next_by_subj` is the server's MSG.GET request field (2.9+); the client types only name seq and last_by_subj.
      const first = await jsm.streams.getMessage(stream, { seq: info.state.first_seq, next_by_subj: subject } as unknown as MsgRequest);
      const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
      if (!first || !last) return null;
      return {
        consumer: subject.slice(prefix.length),
        count,
        firstSeenAt: first.time.toISOString(),
        lastSeenAt: last.time.toISOString(),
        lastReason: header(last, DeadLetterHeaders.reason),
        lastError: header(last, DeadLetterHeaders.error).slice(0, 300),
        lastSource: `${header(last, DeadLetterHeaders.sourceStream)} ${header(last, DeadLetterHeaders.sourceSubject)}`.trim(),
      };
    }),
  );
  return summaries.filter((s): s is DeadLetterSummary => s !== null).sort((a, b) => b.count - a.count || a.consumer.localeCompare(b.consumer));
}

function header(msg: StoredMsg, name: string): string {
  return msg.header?.get(name) ?? '';
}
