import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { contextStreamName, contextSubjectPrefix, type SubjectScheme } from '@stockflow/contracts';

/** How long JetStream remembers a Nats-Msg-Id; a relay re-publication inside it is dropped. */
export const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;

export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly maxAgeNs?: number;
  readonly description?: string;
  /** Servers that keep the stream (a cluster's R3); 1 when unset. */
  readonly replicas?: number;
}

/** The stream that carries one context's events: `<context>.>` (namespaced in tests). */
export function contextStreamSpec(context: string, scheme: SubjectScheme = {}): StreamSpec {
  return {
    name: contextStreamName(context, scheme),
    subjects: [`${contextSubjectPrefix(context, scheme)}.>`],
    description: `Events of the ${context} context, relayed from its event store`,
    replicas: scheme.streamReplicas,
  };
}

/** The dead-letter stream: one subject per consumer, `[<ns>.]dlq.<consumer>`; kept 14 days. */
export function deadLetterStreamSpec(scheme: SubjectScheme = {}): StreamSpec {
  return {
    name: scheme.namespace ? `${scheme.namespace.toUpperCase()}_DEAD_LETTERS` : 'DEAD_LETTERS',
    subjects: [`${deadLetterSubjectPrefix(scheme)}.>`],
    maxAgeNs: 14 * 24 * 3600 * 1_000_000_000,
    description: 'Messages consumers could not handle, with the reason in headers',
    replicas: scheme.streamReplicas,
  };
}

export function deadLetterSubjectPrefix(scheme: SubjectScheme = {}): string {
  return scheme.namespace ? `${scheme.namespace}.dlq` : 'dlq';
}

/**
 * The replay stream (ADR 0036): dead letters an operator sends back, one subject per consumer,
 * `[<ns>.]replay.<consumer>`, read by that consumer's replay side only; kept 14 days.
 */
export function replayStreamSpec(scheme: SubjectScheme = {}): StreamSpec {
  return {
    name: scheme.namespace ? `${scheme.namespace.toUpperCase()}_REPLAY` : 'REPLAY',
    subjects: [`${replaySubjectPrefix(scheme)}.>`],
    maxAgeNs: 14 * 24 * 3600 * 1_000_000_000,
    description: 'Dead letters sent back to their consumer after a fix (stockflow replay)',
    replicas: scheme.streamReplicas,
  };
}

export function replaySubjectPrefix(scheme: SubjectScheme = {}): string {
  return scheme.namespace ? `${scheme.namespace}.replay` : 'replay';
}

export function replaySubject(consumer: string, scheme: SubjectScheme = {}): string {
  return `${replaySubjectPrefix(scheme)}.${consumer}`;
}

/**
 * Creates the stream, or brings an existing one's subjects and limits in line. Only options that
 * NATS 2.9 knows are set, so the same call works on 2.9 and 2.10+.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: spec.name,
    subjects: [...spec.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: DUPLICATE_WINDOW_NS,
    max_age: spec.maxAgeNs ?? 0,
    num_replicas: spec.replicas ?? 1,
    description: spec.description,
  };
  try {
    const info = await jsm.streams.info(spec.name);
    const current = info.config;
    const differs =
      current.subjects.join(',') !== config.subjects!.join(',') ||
      current.max_age !== config.max_age ||
      current.duplicate_window !== config.duplicate_window ||
      // A stream made before the cluster grew is brought up to the configured replicas (the servers
      // copy it); never down, so one misconfigured process cannot shrink what the others keep.
      (current.num_replicas ?? 1) < config.num_replicas!;
    if (differs) await jsm.streams.update(spec.name, { ...current, ...config } as StreamConfig);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      // Two processes provisioning at once: the loser finds the stream already there.
      if (!String((addError as Error).message).includes('already in use')) throw addError;
    }
  }
}

export function isNotFound(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.ConsumerNotFound)
  );
}
