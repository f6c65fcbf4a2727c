import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import { EnvelopeHeaders, type SubjectScheme } from '@stockflow/contracts';
import { sleep, type CheckpointStore, type EventStore, type RecordedEvent } from '@stockflow/event-sourcing';
import { encodeEnvelope, eventHeaders, subjectForEvent } from './event-message.js';
import { contextStreamSpec, ensureStream } from './stream-provisioning.js';

export interface RelayObserver {
  published?(count: number): void;
  lag?(events: number): void;
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
  readonly after: string | null;
  /** Nats-Msg-Id of the stream's last message: the next publish must follow exactly it. */
  readonly lastMsgId: string | null;
}

/**
 * Turns a context's event log into its JetStream stream, once and in log order (ADR 0003).
 *
 * Each message carries `Nats-Msg-Id = eventId` and `Nats-Expected-Last-Msg-Id = previous eventId`,
 * so the server stores a message only directly after its predecessor: a pipelined publish that
 * fails makes every later one fail too (no gap, no reordering), and a second relay racing this
 * one is fenced off. On start and after any failure the relay resumes right after the stream's
 * last message (its log position is a header), falling back to the checkpoint when the stream
 * is empty. The checkpoint, that fallback, is saved at most once a second and when the relay stops.
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

  private async runUntilStopped(signal: AbortSignal): Promise<void> {
    const lagTimer = setInterval(() => void this.reportLag(), this.options.lagIntervalMs ?? 1000);
    try {
      while (!signal.aborted) {
        try {
          await this.relayFrom(await this.resumePoint(), signal);
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

  private async resumePoint(): Promise<ResumePoint> {
    const info = await this.options.jsm.streams.info(this.streamName);
    if (info.state.last_seq > 0 && info.state.messages > 0) {
      const last = await this.options.jsm.streams.getMessage(this.streamName, { seq: info.state.last_seq });
      const position = last?.header.get(EnvelopeHeaders.logPosition);
      const msgId = last?.header.get('Nats-Msg-Id');
      if (position && msgId) return { after: position, lastMsgId: msgId };
    }
    return { after: await this.options.checkpoints.load(this.subscriber), lastMsgId: null };
  }

  private async relayFrom(resume: ResumePoint, signal: AbortSignal): Promise<void> {
    const { store, js } = this.options;
    const maxInFlight = this.options.maxInFlight ?? 256;
    let previousId = resume.lastMsgId;
    this.lastPublished = resume.after;
    for await (const batch of store.subscribeToAll({ after: resume.after, batchSize: this.options.batchSize ?? 1000, signal })) {
      // A failed publish fails every later one (expected-last-msg-id), so stop at the first
      // failure, let the rest settle, and resume from what the stream really holds.
      let failure: unknown = null;
      const inFlight: Promise<unknown>[] = [];
      for (const event of batch) {
        if (failure) break;
        inFlight.push(
          this.publish(js, event, previousId).catch((error: unknown) => {
            failure ??= error;
          }),
        );
        previousId = event.eventId;
        if (inFlight.length >= maxInFlight) await Promise.all(inFlight.splice(0, inFlight.length >> 1));
      }
      await Promise.all(inFlight);
      if (failure) throw failure;
      const last: RecordedEvent = batch[batch.length - 1]!;
      this.lastPublished = last.logPosition;
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

  private publish(js: JetStreamClient, event: RecordedEvent, previousId: string | null): Promise<PubAck> {
    return js.publish(subjectForEvent(this.options.context, event, this.scheme), encodeEnvelope(event), {
      msgID: event.eventId,
      headers: eventHeaders(event),
      ...(previousId ? { expect: { lastMsgID: previousId } } : {}),
    });
  }

  private async reportLag(): Promise<void> {
    if (!this.options.observer?.lag) return;
    try {
      this.options.observer.lag(await this.options.store.countAfter(this.lastPublished));
    } catch {
      // Lag is best effort; the relay loop reports real failures.
    }
  }
}
