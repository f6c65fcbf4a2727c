import { inSpan, SpanKind } from './tracing.js';
import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { ContractViolation, EnvelopeHeaders, type EventCatalog, type SubjectScheme } from '@stockflow/contracts';
import { processAcks, type AckBatcher } from './ack-batcher.js';
import { ConsumerAttachment } from './consumer-attachment.js';
import { publishDeadLetter, type DeadLetterReason } from './dead-letter.js';
import { PoisonMessageError } from './handler-errors.js';
import { decodeReceivedEvent, undecodableReason, type ReceivedEvent } from './received-event.js';
import { narrowestFilter } from './subject-filter.js';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './retry-policy.js';
import { deadLetterStreamSpec, deadLetterSubjectPrefix, ensureStream, isNotFound, replayStreamSpec, replaySubject, type StreamSpec } from './stream-provisioning.js';

export type EventHandler = (event: ReceivedEvent) => Promise<void>;

/** What a batch handler commits in one transaction. */
export interface EventBatch {
  /** The decoded events, in stream order, one per stream sequence. */
  readonly events: readonly ReceivedEvent[];
  /**
   * The highest stream sequence the batch covers, messages dead-lettered before it included: where
   * an external checkpoint moves when the batch commits. `events` may be empty: the batch then only
   * moves the checkpoint past dead letters.
   */
  readonly lastSequence: number;
}

/**
 * Applies a batch and commits it with its checkpoint or inbox marks in one transaction, skipping
 * the events that mark says were applied already: any of them may be a redelivery.
 */
export type BatchHandler = (batch: EventBatch) => Promise<void>;

export interface BatchMode {
  readonly handler: BatchHandler;
  /** Most messages in one batch (default 1000). A batch is whatever is buffered when the handler is free. */
  readonly maxMessages?: number;
  /**
   * The external checkpoint: the last stream sequence the handler committed. When given, it is the
   * truth, not the server's ack state: `start()` recreates the durable consumer at checkpoint + 1.
   * (After a crash the server would redeliver the dead process's unacknowledged messages only after
   * the ack wait, behind newer ones, which would by then have moved the checkpoint past them.) One
   * live instance per durable.
   */
  readonly checkpoint?: () => Promise<number>;
}

export interface ConsumerObserver {
  /** `count` messages (1 unless a batch committed) had this outcome. */
  handled?(outcome: 'ok' | 'retry' | 'dead-letter' | 'skipped', reason?: string, count?: number): void;
  pending?(messages: number): void;
  error?(error: unknown): void;
}

export interface DurableEventConsumerOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly catalog: EventCatalog;
  readonly stream: string;
  /**
   * The source stream's spec: provisioned before the consumer, so a consumer may start before the
   * producing context's relay has ever run.
   */
  readonly sourceStream?: StreamSpec;
  /** Durable name: where the consumer's position lives on the server. */
  readonly durable: string;
  /** A subject filter (wildcards allowed). One filter works on NATS 2.9 and newer. */
  readonly filterSubject?: string;
  /** One message at a time: handlers by event type; events of other types are acknowledged and skipped. */
  readonly handlers?: ReadonlyMap<string, EventHandler>;
  /** Or batches: every event within the filter goes to one batch handler. */
  readonly batch?: BatchMode;
  /** Handlers mode: messages of different keys handled at once (default: one at a time). */
  readonly concurrency?: HandlerConcurrency;
  readonly retry?: RetryPolicy;
  readonly scheme?: SubjectScheme;
  /**
   * How long the server waits for an ack before it redelivers (default 5 s). Everything the consumer
   * holds is kept alive (`keepAlive`), so this is only how long the messages of a consumer that died
   * stay unseen: after a crash, what the dead process held comes back this long after the kill.
   */
  readonly ackWaitMs?: number;
  /** Messages the client keeps buffered ahead of the handler (default 256; a batch's size in batch mode). */
  readonly prefetch?: number;
  readonly observer?: ConsumerObserver;
  /** Where acknowledgements wait to leave together (default: the process's; see AckBatcher). */
  readonly acks?: AckBatcher;
  /**
   * Tells a dependency's outage (PostgreSQL away) from a failure of the message. Such a failure is
   * retried in place — the message held and kept alive, nothing behind it handled — until it
   * succeeds or the consumer stops; no delivery is spent, so an outage of any length neither
   * dead-letters a message nor leaves it waiting out a long backoff afterwards (ADR 0019).
   */
  readonly isOutage?: (error: unknown) => boolean;
}

/**
 * Handlers of different keys run together, so that their appends meet in one group commit (ADR 0040)
 * instead of each waiting for the one before; messages of one key stay one at a time, in delivery order.
 */
export interface HandlerConcurrency {
  /** Messages in hand at most, running or waiting behind their key. */
  readonly maxInHand: number;
  /** What must stay in order: e.g. the order or SKU the event is about. */
  readonly keyOf: (event: ReceivedEvent) => string;
}

/**
 * Up to `maxInHand` messages at once, one at a time per value of a payload field that every event
 * type the consumer handles carries (the order, the SKU).
 */
export function perKeyConcurrency(field: string, maxInHand = 32): HandlerConcurrency {
  return { maxInHand, keyOf: (event) => String((event.data as Readonly<Record<string, unknown>>)[field]) };
}

/** A decoded message of a batch. */
interface Admitted {
  readonly msg: JsMsg;
  readonly event: ReceivedEvent;
}

/** The batch being handled: its messages in stream order, and those already acknowledged. */
interface InHand {
  readonly handler: BatchHandler;
  readonly ordered: readonly JsMsg[];
  readonly acked: Set<JsMsg>;
}

/** Outcomes of `retryThroughOutage` besides an error. */
const HANDLED = Symbol('handled');
const RELEASED = Symbol('released');
const IDLE_LAG_REFRESH_MS = 1_000;
const DEFAULT_ACK_WAIT_MS = 5_000;
const DEFAULT_BATCH_MESSAGES = 1_000;

/**
 * A durable pull consumer that runs the handler before it acknowledges (ADR 0004). Transient
 * failures are retried with backoff; a poison message (unreadable, breaking its contract, rejected
 * by the handler, or past its delivery budget) is copied to the dead-letter stream with the reason
 * and acknowledged, and the consumer goes on. Messages are handled in stream order, one at a time
 * (`handlers`: a failure is nak'ed with a delay) or in batches (`batch`, ADR 0016: a failed batch is
 * split until the failing event stands alone, which is retried in place so that no later message
 * overtakes it). `stop()` drains: the work in hand is finished, buffered messages are released for
 * immediate redelivery.
 */
export class DurableEventConsumer {
  private attachment: ConsumerAttachment | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private readonly retry: RetryPolicy;
  private readonly dlqPrefix: string;
  private readonly acks: AckBatcher;
  private lagTimer: NodeJS.Timeout | null = null;
  private lastMessageAt = 0;
  /** Delivered messages waiting for the handler, and how the waiting loop is woken. */
  private buffer: JsMsg[] = [];
  private wake: (() => void) | null = null;
  /** The messages being handled and not yet acknowledged (those of the handlers in hand, or a batch's). */
  private readonly inHand = new Set<JsMsg>();
  private readonly settled = new WeakSet<JsMsg>();
  private keepAliveTimer: NodeJS.Timeout | null = null;
  /** False once the attachment's messages ended (the consumer stopped). */
  private reading = true;
  /** Ends a retry's backoff early when the consumer stops. */
  private endPause: (() => void) | null = null;

  constructor(private readonly options: DurableEventConsumerOptions) {
    if (!options.handlers === !options.batch) throw new Error(`consumer ${options.durable}: give either handlers or batch`);
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.acks = options.acks ?? processAcks;
    this.dlqPrefix = deadLetterSubjectPrefix(options.scheme);
  }

  async start(): Promise<void> {
    const { jsm, js, stream, durable, batch } = this.options;
    await ensureStream(jsm, deadLetterStreamSpec(this.options.scheme));
    if (this.options.sourceStream) await ensureStream(jsm, this.options.sourceStream);
    this.stopping = false;
    const batchSize = batch?.maxMessages ?? DEFAULT_BATCH_MESSAGES;
    // Re-attached after NATS outages (ADR 0019): the consumer is made again if the server lost it.
    this.attachment = new ConsumerAttachment(
      async () => {
        await this.ensureConsumer(jsm);
        const consumer = await js.consumers.get(stream, durable);
        return consumer.consume({ max_messages: this.options.prefetch ?? (batch ? batchSize : 256) });
      },
      { onError: (error) => this.options.observer?.error?.(error), reattachOnGap: Boolean(batch?.checkpoint) },
    );
    await this.attachment.open();
    this.reading = true;
    const reader = this.fill(this.attachment.messages());
    this.loop = batch ? this.runBatches(reader, batch.handler, batchSize) : this.run(reader);
    const ackWaitMs = this.options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    this.keepAliveTimer = setInterval(() => this.keepAlive(), Math.max(100, Math.floor(ackWaitMs / 3))).unref();
    if (this.options.observer?.pending) this.lagTimer = setInterval(() => void this.refreshIdleLag(), IDLE_LAG_REFRESH_MS).unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.lagTimer = null;
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
    this.endPause?.();
    this.wake?.();
    await this.attachment?.close();
    await this.loop;
    this.acks.flush();
    this.attachment = null;
    this.loop = null;
  }

  private async ensureConsumer(jsm: JetStreamManager): Promise<void> {
    const { stream, durable, batch } = this.options;
    const filterSubject = batch ? this.options.filterSubject : narrowestFilter(this.options.filterSubject, this.options.handlers!.keys(), this.options.catalog, this.options.scheme);
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (this.options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS) * 1_000_000,
      // The consumer itself dead-letters at maxDeliveries; the server must never stop redelivering
      // on its own, or a message would be stranded without a dead letter.
      max_deliver: -1,
      max_ack_pending: batch ? 4 * (batch.maxMessages ?? DEFAULT_BATCH_MESSAGES) : 1000,
      ...(filterSubject ? { filter_subject: filterSubject } : {}),
    };
    if (batch?.checkpoint) {
      const checkpoint = await batch.checkpoint();
      try {
        await jsm.consumers.delete(stream, durable);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      await jsm.consumers.add(stream, { ...config, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: checkpoint + 1 });
      return;
    }
    try {
      const info = await jsm.consumers.info(stream, durable);
      if ((info.config.filter_subject ?? '') !== (filterSubject ?? '') || info.config.ack_wait !== config.ack_wait) {
        await jsm.consumers.update(stream, durable, { filter_subject: config.filter_subject, ack_wait: config.ack_wait });
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.consumers.add(stream, config);
    }
  }

  /**
   * Reads every delivered message into the buffer as it arrives, so that all the consumer holds is
   * where `keepAlive` reaches it (the client's own queue is not). Resolves when the messages end.
   */
  private async fill(messages: AsyncIterable<JsMsg>): Promise<void> {
    try {
      for await (const msg of messages) {
        this.buffer.push(msg);
        this.wake?.();
      }
    } finally {
      this.reading = false;
      this.wake?.();
    }
  }

  /** The next buffered message(s), waiting for one; none once the consumer stops or the messages end. */
  private async take(max: number): Promise<JsMsg[]> {
    while (!this.stopping && this.buffer.length === 0 && this.reading) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    return this.stopping ? [] : this.buffer.splice(0, max);
  }

  /**
   * Handlers mode: in delivery order, one message at a time per key (`concurrency`; one key, so one
   * at a time, by default), up to `maxInHand` messages in hand.
   */
  private async run(reader: Promise<void>): Promise<void> {
    const maxInHand = Math.max(1, this.options.concurrency?.maxInHand ?? 1);
    const keyOf = this.options.concurrency?.keyOf ?? (() => '');
    /** The last handler in hand of each key: the next of that key starts after it. */
    const lastOfKey = new Map<string, Promise<void>>();
    let slotFreed: (() => void) | null = null;
    let newestPending = 0;
    for (let [msg] = await this.take(1); msg; [msg] = await this.take(1)) {
      newestPending = msg.info.pending;
      if (this.notHandled(msg)) {
        this.ack(msg);
        this.lastMessageAt = Date.now();
        this.options.observer?.handled?.('skipped');
        this.options.observer?.pending?.(newestPending + this.buffer.length + this.inHand.size);
        continue;
      }
      this.inHand.add(msg);
      const event = await this.admit(msg);
      if (!event) {
        this.inHand.delete(msg);
        continue;
      }
      const key = keyOf(event);
      const handled: Promise<void> = (lastOfKey.get(key) ?? Promise.resolve())
        .then(() => this.handle(msg, event))
        .catch((error: unknown) => this.options.observer?.error?.(error)) // only a failure to talk to NATS: redelivered
        .finally(() => {
          this.inHand.delete(msg);
          if (lastOfKey.get(key) === handled) lastOfKey.delete(key);
          this.lastMessageAt = Date.now();
          // From the newest message taken, not this one: with keys, an older message may finish last.
          this.options.observer?.pending?.(newestPending + this.buffer.length + this.inHand.size);
          slotFreed?.();
        });
      lastOfKey.set(key, handled);
      while (this.inHand.size >= maxInHand) await new Promise<void>((resolve) => (slotFreed = resolve));
      slotFreed = null;
    }
    await Promise.all(lastOfKey.values());
    await this.release(reader);
  }

  /**
   * A relayed message of a type no handler takes, told by its type header without decoding it: on
   * NATS 2.9 one filter subject often brings a consumer the other types of an aggregate too.
   */
  private notHandled(msg: JsMsg): boolean {
    const type = msg.headers?.get(EnvelopeHeaders.eventType);
    return Boolean(type) && !this.options.handlers!.has(type!);
  }

  /** After the loop: waits for the reader to end, and releases what is still buffered for immediate redelivery. */
  private async release(reader: Promise<void>): Promise<void> {
    await reader;
    for (const msg of this.buffer.splice(0)) msg.nak();
  }

  /**
   * Tells the server that every message the consumer holds — buffered or in hand — is still being
   * worked on, every third of the ack wait. A backlog (after an outage, a restart, or under load)
   * then never outlives its ack wait while it waits its turn: without this the server redelivered
   * what waited longer than the ack wait, each of those was handled twice, and the consumer fell
   * further behind the longer it took (ADR 0019). The ack wait then only bounds how long the
   * messages of a consumer that died stay unseen.
   */
  private keepAlive(): void {
    try {
      for (const msg of this.inHand) if (!this.settled.has(msg)) msg.working();
      for (const msg of this.buffer) msg.working();
    } catch {
      // NATS is away: the messages may come again after their ack wait, as after a crash (ADR 0004).
    }
  }

  /**
   * A message tells how many were pending behind it when it was delivered; once messages stop
   * coming, the last one's count may be stale, so an idle consumer asks the server instead.
   */
  private async refreshIdleLag(): Promise<void> {
    if (Date.now() - this.lastMessageAt < IDLE_LAG_REFRESH_MS) return;
    try {
      const info = await this.options.jsm.consumers.info(this.options.stream, this.options.durable);
      this.options.observer?.pending?.(info.num_pending + info.num_ack_pending);
    } catch (error) {
      this.options.observer?.error?.(error);
    }
  }

  private async handle(msg: JsMsg, event: ReceivedEvent): Promise<void> {
    const observer = this.options.observer;
    const handler = this.options.handlers!.get(event.type);
    if (!handler) {
      this.ack(msg);
      observer?.handled?.('skipped');
      return;
    }
    try {
      await this.traced(msg, event, () => handler(event));
    } catch (caught) {
      const error = this.options.isOutage?.(caught) ? await this.retryThroughOutage(msg, () => handler(event)) : caught;
      if (error === HANDLED) {
        this.ack(msg);
        observer?.handled?.('ok');
        return;
      }
      if (error === RELEASED) return;
      if (isPoison(error)) return this.deadLetter(msg, 'rejected-by-handler', error);
      if (event.deliveryCount >= this.retry.maxDeliveries) return this.deadLetter(msg, 'max-deliveries', error);
      this.nak(msg, retryDelayMs(this.retry, event.deliveryCount));
      observer?.handled?.('retry', error instanceof Error ? error.name : 'error');
      observer?.error?.(error);
      return;
    }
    this.ack(msg);
    observer?.handled?.('ok');
  }

  /**
   * Runs a handler in a span of its own (ADR 0037), child of the span that published the message
   * (its `traceparent` header; the envelope's when a message has none): what the handler logs and
   * appends carries this span.
   */
  private traced(msg: JsMsg, event: ReceivedEvent, work: () => Promise<void>): Promise<void> {
    const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject, 'messaging.consumer.group.name': this.options.durable, 'messaging.message.id': event.eventId };
    return inSpan(`process ${event.type}`, SpanKind.CONSUMER, msg.headers?.get(EnvelopeHeaders.traceparent) || event.traceparent, attributes, work);
  }

  private ack(msg: JsMsg): void {
    this.settled.add(msg);
    this.acks.ack(msg);
  }

  private nak(msg: JsMsg, delayMs?: number): void {
    this.settled.add(msg);
    msg.nak(delayMs);
  }

  /** The message's event, or null once a message that can never be handled is dead-lettered. */
  private async admit(msg: JsMsg): Promise<ReceivedEvent | null> {
    if (msg.info.deliveryCount > this.retry.maxDeliveries) {
      await this.deadLetter(msg, 'max-deliveries', new Error(`not handled after ${this.retry.maxDeliveries} deliveries`));
      return null;
    }
    try {
      return decodeReceivedEvent(this.options.catalog, msg);
    } catch (error) {
      await this.deadLetter(msg, undecodableReason(error), error);
      return null;
    }
  }

  // --- Riding out a dependency's outage (ADR 0019) ---

  /**
   * Runs `attempt` again every 0.25–2 s while it fails with an outage (the message is kept alive
   * meanwhile, as everything held is: `keepAlive`). HANDLED once it succeeds; RELEASED (nak'ed for another
   * instance) when the consumer stops meanwhile; else the first error that is not an outage.
   */
  private async retryThroughOutage(msg: JsMsg, attempt: () => Promise<void>): Promise<unknown> {
    for (let n = 1; ; n++) {
      if (this.stopping) {
        this.nak(msg);
        return RELEASED;
      }
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** (n - 1), 2_000)));
      try {
        await attempt();
        return HANDLED;
      } catch (error) {
        if (!this.options.isOutage?.(error)) return error;
      }
    }
  }

  private async deadLetter(msg: JsMsg, reason: DeadLetterReason, error: unknown): Promise<void> {
    await publishDeadLetter(this.options.js, this.dlqPrefix, this.options.durable, msg, reason, error);
    this.ack(msg);
    this.options.observer?.handled?.('dead-letter', reason);
  }

  /** Batch mode: the handler takes whatever is buffered when it is free. */
  private async runBatches(reader: Promise<void>, handler: BatchHandler, batchSize: number): Promise<void> {
    for (let batch = await this.take(batchSize); batch.length > 0; batch = await this.take(batchSize)) {
      for (const msg of batch) this.inHand.add(msg);
      await this.handleBatch(batch, handler);
      this.inHand.clear();
      this.lastMessageAt = Date.now();
      this.options.observer?.pending?.(batch[batch.length - 1]!.info.pending + this.buffer.length);
    }
    await this.release(reader);
  }

  /**
   * Dead-letters what cannot be decoded, commits the rest (see `commitRange`), and acknowledges each
   * message once its part committed. A failure to reach NATS (a dead letter's publish) retries the
   * whole batch in place: the handler's checkpoint or inbox skips what already committed.
   */
  private async handleBatch(delivered: readonly JsMsg[], handler: BatchHandler): Promise<void> {
    // Sorted, one per sequence: a redelivery may sit beside its first delivery.
    const bySequence = new Map<number, JsMsg>();
    for (const msg of delivered) bySequence.set(msg.seq, msg);
    const ordered = [...bySequence.values()].sort((a, b) => a.seq - b.seq);
    const inHand: InHand = { handler, ordered, acked: new Set() };
    const lastSequence = ordered[ordered.length - 1]!.seq;
    for (let attempt = 1; ; attempt++) {
      try {
        const admitted: Admitted[] = [];
        for (const msg of ordered) {
          if (inHand.acked.has(msg)) continue;
          const event = await this.admit(msg);
          if (event) admitted.push({ msg, event });
          else inHand.acked.add(msg);
        }
        if (await this.commitRange(inHand, admitted, lastSequence)) return;
        break;
      } catch (error) {
        this.options.observer?.error?.(error);
        if (this.stopping) break;
        await this.pause(retryDelayMs(this.retry, attempt));
        if (this.stopping) break;
      }
    }
    for (const msg of ordered) if (!inHand.acked.has(msg)) this.nak(msg);
  }

  /**
   * Commits `admitted` as one batch covering up to `lastSequence`; when the handler fails, as two
   * halves, down to one event (`commitAlone`). Halves commit in order, so a checkpoint only moves
   * forward. False when the consumer stopped first.
   */
  private async commitRange(inHand: InHand, admitted: readonly Admitted[], lastSequence: number): Promise<boolean> {
    if (admitted.length <= 1) return this.commitAlone(inHand, admitted[0], lastSequence);
    try {
      await inHand.handler({ events: admitted.map((a) => a.event), lastSequence });
    } catch {
      const half = admitted.length >> 1;
      return (
        (await this.commitRange(inHand, admitted.slice(0, half), admitted[half - 1]!.msg.seq)) &&
        (await this.commitRange(inHand, admitted.slice(half), lastSequence))
      );
    }
    for (const { msg } of admitted) this.ackCommitted(inHand, msg);
    this.options.observer?.handled?.('ok', undefined, admitted.length);
    return true;
  }

  /**
   * Commits one event (or, with none, only the checkpoint's move past dead letters). Poison is
   * dead-lettered and the checkpoint moved past it; any other failure is retried in place with
   * backoff, the waiting messages kept from redelivery meanwhile, until the delivery budget.
   */
  private async commitAlone(inHand: InHand, one: Admitted | undefined, lastSequence: number): Promise<boolean> {
    const observer = this.options.observer;
    for (let attempt = 1; ; attempt++) {
      try {
        await inHand.handler({ events: one ? [one.event] : [], lastSequence });
        if (one) {
          this.ackCommitted(inHand, one.msg);
          observer?.handled?.('ok');
        }
        return true;
      } catch (error) {
        const deliveries = (one?.msg.info.deliveryCount ?? 1) + attempt - 1;
        if (one && (isPoison(error) || deliveries >= this.retry.maxDeliveries)) {
          await this.deadLetter(one.msg, isPoison(error) ? 'rejected-by-handler' : 'max-deliveries', error);
          inHand.acked.add(one.msg);
          return this.commitAlone(inHand, undefined, lastSequence);
        }
        observer?.handled?.('retry', error instanceof Error ? error.name : 'error');
        observer?.error?.(error);
        if (this.stopping) return false;
        await this.pause(retryDelayMs(this.retry, deliveries));
        if (this.stopping) return false;
      }
    }
  }

  private ackCommitted(inHand: InHand, msg: JsMsg): void {
    this.ack(msg);
    inHand.acked.add(msg);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.endPause?.(), ms);
      this.endPause = () => {
        clearTimeout(timer);
        this.endPause = null;
        resolve();
      };
    });
  }
}

function isPoison(error: unknown): boolean {
  return error instanceof PoisonMessageError || error instanceof ContractViolation;
}

/**
 * A consumer and its replay side (ADR 0036): a second durable of the same name on the replay
 * stream, filtered to `[<ns>.]replay.<durable>`, with the same handlers, retry and dead-letter
 * subject, so a dead letter an operator sends back after a fix reaches this consumer's handlers and
 * no other consumer's. Its lag is not reported as the consumer's.
 */
export function withReplaySide(options: DurableEventConsumerOptions): DurableEventConsumer[] {
  const replay = replayStreamSpec(options.scheme);
  const observer = options.observer ? { ...options.observer, pending: undefined } : undefined;
  return [
    new DurableEventConsumer(options),
    new DurableEventConsumer({ ...options, stream: replay.name, sourceStream: replay, filterSubject: replaySubject(options.durable, options.scheme), observer }),
  ];
}
