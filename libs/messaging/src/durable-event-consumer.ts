import { AckPolicy, DeliverPolicy, type ConsumerConfig, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { ContractViolation, type EventCatalog, type EventEnvelope, type SubjectScheme } from '@stockflow/contracts';
import { processAcks, type AckBatcher } from './ack-batcher.js';
import { publishDeadLetter, type DeadLetterReason } from './dead-letter.js';
import { PoisonMessageError } from './handler-errors.js';
import { narrowestFilter } from './subject-filter.js';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './retry-policy.js';
import { deadLetterStreamSpec, deadLetterSubjectPrefix, ensureStream, isNotFound, type StreamSpec } from './stream-provisioning.js';

export interface ReceivedEvent<TData = unknown> extends EventEnvelope<string, TData> {
  /** The subject the event arrived on. */
  readonly subject: string;
  /** 1 on first delivery; higher on redelivery. */
  readonly deliveryCount: number;
}

export type EventHandler = (event: ReceivedEvent) => Promise<void>;

export interface ConsumerObserver {
  handled?(outcome: 'ok' | 'retry' | 'dead-letter' | 'skipped', reason?: string): void;
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
  /** Handlers by event type; events of other types are acknowledged and skipped. */
  readonly handlers: ReadonlyMap<string, EventHandler>;
  readonly retry?: RetryPolicy;
  readonly scheme?: SubjectScheme;
  readonly ackWaitMs?: number;
  /** Messages the client keeps buffered ahead of the handler. */
  readonly prefetch?: number;
  readonly observer?: ConsumerObserver;
  /** Where acknowledgements wait to leave together (default: the process's; see AckBatcher). */
  readonly acks?: AckBatcher;
}

const decoder = new TextDecoder();
const IDLE_LAG_REFRESH_MS = 1_000;

/**
 * A durable pull consumer that runs the handler before it acknowledges (ADR 0004). Transient
 * failures are retried with backoff by `nak(delay)`; a poison message (unreadable, breaking its
 * contract, rejected by the handler, or past its delivery budget) is copied to the dead-letter
 * stream with the reason and acknowledged, and the consumer goes on. Messages are handled one at a
 * time in stream order. `stop()` drains: the message in hand is finished, buffered ones are
 * released for immediate redelivery.
 */
export class DurableEventConsumer {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private readonly retry: RetryPolicy;
  private readonly dlqPrefix: string;
  private readonly acks: AckBatcher;
  private lagTimer: NodeJS.Timeout | null = null;
  private lastMessageAt = 0;

  constructor(private readonly options: DurableEventConsumerOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.acks = options.acks ?? processAcks;
    this.dlqPrefix = deadLetterSubjectPrefix(options.scheme);
  }

  async start(): Promise<void> {
    const { jsm, js, stream, durable } = this.options;
    await ensureStream(jsm, deadLetterStreamSpec(this.options.scheme));
    if (this.options.sourceStream) await ensureStream(jsm, this.options.sourceStream);
    await this.ensureConsumer(jsm);
    const consumer = await js.consumers.get(stream, durable);
    this.stopping = false;
    this.messages = await consumer.consume({ max_messages: this.options.prefetch ?? 256 });
    this.loop = this.run(this.messages);
    if (this.options.observer?.pending) this.lagTimer = setInterval(() => void this.refreshIdleLag(), IDLE_LAG_REFRESH_MS).unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.lagTimer = null;
    await this.messages?.close();
    await this.loop;
    this.acks.flush();
    this.messages = null;
    this.loop = null;
  }

  private async ensureConsumer(jsm: JetStreamManager): Promise<void> {
    const { stream, durable } = this.options;
    const filterSubject = narrowestFilter(this.options.filterSubject, this.options.handlers.keys(), this.options.catalog, this.options.scheme);
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (this.options.ackWaitMs ?? 30_000) * 1_000_000,
      // The consumer itself dead-letters at maxDeliveries; the server must never stop redelivering
      // on its own, or a message would be stranded without a dead letter.
      max_deliver: -1,
      max_ack_pending: 1000,
      ...(filterSubject ? { filter_subject: filterSubject } : {}),
    };
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

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (this.stopping) {
        msg.nak();
        continue;
      }
      try {
        await this.handle(msg);
      } catch (error) {
        // Only a failure to talk to NATS itself lands here; the message will be redelivered.
        this.options.observer?.error?.(error);
      }
      this.lastMessageAt = Date.now();
      this.options.observer?.pending?.(msg.info.pending);
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

  private async handle(msg: JsMsg): Promise<void> {
    const observer = this.options.observer;
    const deliveryCount = msg.info.deliveryCount;
    if (deliveryCount > this.retry.maxDeliveries) {
      return this.deadLetter(msg, 'max-deliveries', new Error(`not handled after ${this.retry.maxDeliveries} deliveries`));
    }
    let event: ReceivedEvent;
    try {
      event = this.decode(msg, deliveryCount);
    } catch (error) {
      const reason: DeadLetterReason = error instanceof ContractViolation ? error.reason : 'malformed-message';
      return this.deadLetter(msg, reason, error);
    }
    const handler = this.options.handlers.get(event.type);
    if (!handler) {
      this.acks.ack(msg);
      observer?.handled?.('skipped');
      return;
    }
    try {
      await handler(event);
    } catch (error) {
      if (error instanceof PoisonMessageError || error instanceof ContractViolation) {
        return this.deadLetter(msg, 'rejected-by-handler', error);
      }
      if (deliveryCount >= this.retry.maxDeliveries) return this.deadLetter(msg, 'max-deliveries', error);
      msg.nak(retryDelayMs(this.retry, deliveryCount));
      observer?.handled?.('retry', error instanceof Error ? error.name : 'error');
      observer?.error?.(error);
      return;
    }
    this.acks.ack(msg);
    observer?.handled?.('ok');
  }

  private decode(msg: JsMsg, deliveryCount: number): ReceivedEvent {
    const raw = JSON.parse(decoder.decode(msg.data)) as Partial<EventEnvelope>;
    if (!raw || typeof raw !== 'object' || typeof raw.eventId !== 'string' || typeof raw.type !== 'string' || typeof raw.schemaVersion !== 'number') {
      throw new Error('not an event envelope (eventId, type and schemaVersion are required)');
    }
    const { schemaVersion, data } = this.options.catalog.upcast(raw.type, raw.schemaVersion, raw.data);
    return { ...(raw as EventEnvelope), schemaVersion, data, subject: msg.subject, deliveryCount };
  }

  private async deadLetter(msg: JsMsg, reason: DeadLetterReason, error: unknown): Promise<void> {
    await publishDeadLetter(this.options.js, this.dlqPrefix, this.options.durable, msg, reason, error);
    this.acks.ack(msg);
    this.options.observer?.handled?.('dead-letter', reason);
  }
}
