import { inSpan, SpanKind, traceparentOf } from './tracing.js';
import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import type { SubjectScheme } from '@stockflow/contracts';
import { sleep, type CheckpointStore, type EventStore, type RecordedEvent } from '@stockflow/event-sourcing';
import { encodeEnvelope, eventHeaders, subjectForEvent } from './event-message.js';
import { relayedLogPosition } from './relayed-message.js';
import { contextStreamSpec, ensureStream } from './stream-provisioning.js';

/** What a publish expects of the stream: its predecessor's sequence (the first after a resume) or its predecessor's id. */
type PublishExpectation = { readonly lastSequence: number } | { readonly lastMsgID: string };

export interface RelayObserver {
  published?(count: number): void;
  lag?(events: number): void;
  /** Messages on the stream that are not the relay's own (foreign or malformed), each counted once. */
  foreign?(count: number): void;
  error?(error: unknown): void;
}

export interface EventRelayOptions {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The context whose log this relay publishes, e.g. `inventory`. */
  readonly context: string;
  readonly scheme?: SubjectScheme;
  /** Events read from the log per batch. */
  readonly batchSize?: number;
  /**
   * The checkpoint is saved at most this often (default 1 s), and once more when the relay stops
   * or goes quiet: it is only the fallback for an empty stream, and a write per batch was a
   * PostgreSQL commit every few milliseconds per relay under load.
   */
  readonly checkpointIntervalMs?: number;
  /** Publishes awaiting their ack at once (the client tops out near 256). */
  readonly maxInFlight?: number;
  readonly observer?: RelayObserver;
  readonly lagIntervalMs?: number;
}

interface ResumePoint {
  /** Log position of the last event the relay knows it published (its own record), or null. */
  readonly after: string | null;
  /** The stream's last sequence, whoever wrote it: the next publish must follow exactly it. */
  readonly lastSeq: number;
}

/** The newest message on the stream known to be the relay's own, and how far the stream was examined. */
interface OwnRecord {
  readonly position: string | null;
  /** Messages above this sequence have not been looked at yet. */
  readonly examinedSeq: number;
}

/**
 * Turns a context's event log into its JetStream stream, once and in log order (ADR 0003, 0017).
 *
 * Each message carries `Nats-Msg-Id = eventId`; the first publish after a (re)start expects the
 * stream's last sequence as read then, every later one `Nats-Expected-Last-Msg-Id = previous
 * eventId`, so the server stores a message only directly after its predecessor: a pipelined publish
 * that fails makes every later one fail too (no gap, no reordering), and a second relay racing this
 * one is fenced off. On start and after any failure the relay resumes right after the newest
 * message of the stream that is its own — its headers name an event of the log, read back to be
 * sure — skipping and counting foreign or malformed messages, and falls back to the checkpoint when
 * the stream holds none of its own. The checkpoint is saved at most once a second and at stop.
 */
export class EventRelay {
  private readonly scheme: SubjectScheme;
  private readonly streamName: string;
  private readonly subscriber: string;
  private controller = new AbortController();
  private running: Promise<void> | null = null;
  private lastPublished: string | null = null;
  /** The last position saved as the checkpoint, and the save in progress (saves never overlap). */
  private savedPosition: string | null = null;
  private savedAt = 0;
  private saving: Promise<void> = Promise.resolve();
  private checkpointTimer: NodeJS.Timeout | null = null;
  private own: OwnRecord = { position: null, examinedSeq: 0 };
  /** Since when the log has had events not yet published (null while caught up), and the last progress. */
  private behindSince: number | null = null;
  private progressAt = Date.now();

  constructor(private readonly options: EventRelayOptions) {
    this.scheme = options.scheme ?? {};
    this.streamName = contextStreamSpec(options.context, this.scheme).name;
    this.subscriber = `relay:${options.context}`;
  }

  /** Provisions the stream, then relays in the background until `stop()`. */
  async start(): Promise<void> {
    await ensureStream(this.options.jsm, contextStreamSpec(this.options.context, this.scheme));
    this.controller = new AbortController();
    this.running = this.runUntilStopped(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
    this.running = null;
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
    await this.saveCheckpoint();
  }

  /** Position of the last event known to be on JetStream. */
  get position(): string | null {
    return this.lastPublished;
  }

  /**
   * How long the log has had events this relay has not published without it publishing any (0 while
   * it keeps up or makes progress), as of the last lag measurement (every `lagIntervalMs`).
   */
  stalledForMs(now = Date.now()): number {
    return this.behindSince === null ? 0 : Math.max(0, now - Math.max(this.behindSince, this.progressAt));
  }

  private async runUntilStopped(signal: AbortSignal): Promise<void> {
    const lagTimer = setInterval(() => void this.reportLag(), this.options.lagIntervalMs ?? 1000);
    try {
      while (!signal.aborted) {
        try {
          await this.relayFrom(await this.resumePoint(signal), signal);
        } catch (error) {
          if (signal.aborted) break;
          this.options.observer?.error?.(error);
          await sleep(500, signal);
        }
      }
    } finally {
      clearInterval(lagTimer);
    }
  }

  private async resumePoint(signal: AbortSignal): Promise<ResumePoint> {
    const info = await this.options.jsm.streams.info(this.streamName);
    const lastSeq = info.state.last_seq;
    if (lastSeq < this.own.examinedSeq) this.own = { position: null, examinedSeq: 0 }; // the stream was recreated
    const position = await this.newestOwnPosition(lastSeq, Math.max(info.state.first_seq, 1), signal);
    this.own = { position, examinedSeq: lastSeq };
    return { after: position ?? (await this.options.checkpoints.load(this.subscriber)), lastSeq };
  }

  /**
   * Walks the stream back from `lastSeq` to the newest message that is the relay's own; what lies
   * above it is foreign or malformed and is counted once. Messages examined by an earlier walk are
   * not fetched again: the newest own one among them is remembered.
   */
  private async newestOwnPosition(lastSeq: number, firstSeq: number, signal: AbortSignal): Promise<string | null> {
    const { jsm, store, context } = this.options;
    let foreign = 0;
    try {
      for (let seq = lastSeq; seq > this.own.examinedSeq && seq >= firstSeq; seq--) {
        if (signal.aborted) throw new Error('relay stopped');
        const message = await jsm.streams.getMessage(this.streamName, { seq });
        if (!message) continue; // deleted
        const position = await relayedLogPosition(message, store, context, this.scheme);
        if (position) return position;
        foreign++;
      }
      return this.own.position;
    } finally {
      if (foreign > 0) this.options.observer?.foreign?.(foreign);
    }
  }

  private async relayFrom(resume: ResumePoint, signal: AbortSignal): Promise<void> {
    const { store, js } = this.options;
    const maxInFlight = this.options.maxInFlight ?? 256;
    let previous: PublishExpectation = { lastSequence: resume.lastSeq };
    this.lastPublished = resume.after;
    for await (const batch of store.subscribeToAll({ after: resume.after, batchSize: this.options.batchSize ?? 1000, signal })) {
      // A failed publish fails every later one (expected last sequence / msg id), so stop at the
      // first failure, let the rest settle, and resume from what the stream really holds.
      let failure: unknown = null;
      const inFlight: Promise<unknown>[] = [];
      for (const event of batch) {
        if (failure) break;
        inFlight.push(
          this.publish(js, event, previous).catch((error: unknown) => {
            failure ??= error;
          }),
        );
        previous = { lastMsgID: event.eventId };
        if (inFlight.length >= maxInFlight) await Promise.all(inFlight.splice(0, inFlight.length >> 1));
      }
      await Promise.all(inFlight);
      if (failure) throw failure;
      const last: RecordedEvent = batch[batch.length - 1]!;
      this.lastPublished = last.logPosition;
      this.progressAt = Date.now();
      this.checkpointSoon();
      this.options.observer?.published?.(batch.length);
    }
  }

  /** Saves now when the interval has passed since the last save, else once it has. */
  private checkpointSoon(): void {
    if (this.checkpointTimer) return;
    const wait = this.savedAt + (this.options.checkpointIntervalMs ?? 1000) - Date.now();
    if (wait <= 0) {
      this.savedAt = Date.now(); // now, not when the chained save starts: batches meanwhile wait their turn
      void this.saveCheckpoint();
    } else
      this.checkpointTimer = setTimeout(() => {
        this.checkpointTimer = null;
        void this.saveCheckpoint();
      }, wait);
  }

  /** Saves the latest published position, after any save in progress (so a later one never loses to an earlier one). */
  private saveCheckpoint(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const position = this.lastPublished;
      if (position === null || position === this.savedPosition) return;
      this.savedAt = Date.now();
      try {
        await this.options.checkpoints.save(this.subscriber, position);
        this.savedPosition = position;
      } catch (error) {
        this.options.observer?.error?.(error);
      }
    });
    return this.saving;
  }

  /** One publish in a span of its own (ADR 0037), child of the span that appended the event. */
  private publish(js: JetStreamClient, event: RecordedEvent, expect: PublishExpectation): Promise<PubAck> {
    const subject = subjectForEvent(this.options.context, event, this.scheme);
    return inSpan(`publish ${event.type}`, SpanKind.PRODUCER, event.traceparent, { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.message.id': event.eventId }, (span) =>
      js.publish(subject, encodeEnvelope(event), {
        msgID: event.eventId,
        headers: eventHeaders(event, traceparentOf(span) ?? event.traceparent),
        expect,
      }),
    );
  }

  private async reportLag(): Promise<void> {
    try {
      const lag = await this.options.store.countAfter(this.lastPublished);
      if (lag === 0) this.behindSince = null;
      else this.behindSince ??= Date.now();
      this.options.observer?.lag?.(lag);
    } catch {
      // Lag is best effort; the relay loop reports real failures.
    }
  }
}
