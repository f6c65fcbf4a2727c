// Plays inventory's part in the orders tests: it watches the saga's requests on NATS and answers
// each ReservationRequested with StockReserved or StockReservationRejected on the inventory stream,
// as the real inventory service would. (The system tests run the real one.)
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { EventEnvelope } from '@stockflow/contracts';
import type { NatsConnection } from '@stockflow/messaging';
import { publishAsRelay, testEnvelope } from '@stockflow/testing';

type Subscription = ReturnType<NatsConnection['subscribe']>;

export interface ReservationRequest {
  readonly orderId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly envelope: EventEnvelope;
}

export interface ReleaseRequest {
  readonly orderId: string;
  readonly sku: string;
}

const decoder = new TextDecoder();

export class FakeInventory {
  readonly requests: ReservationRequest[] = [];
  readonly releases: ReleaseRequest[] = [];
  /** Every answer published, in order (a test may publish one again to redeliver it). */
  readonly answers: EventEnvelope[] = [];
  private readonly available = new Map<string, number>();
  private readonly silent = new Set<string>();
  private readonly js: JetStreamClient;
  private subscription: Subscription | null = null;
  private queue: Promise<void> = Promise.resolve();
  private position = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly namespace: string,
  ) {
    this.js = jetstream(nc);
  }

  /** Units of `sku` available to reserve (unknown SKUs have none). */
  stock(sku: string, units: number): this {
    this.available.set(sku, units);
    return this;
  }

  /** Requests for `sku` get no answer (e.g. to let a saga time out). */
  silence(sku: string): this {
    this.silent.add(sku);
    return this;
  }

  start(): void {
    this.subscription = this.nc.subscribe(`${this.namespace}.orders.ordersaga.>`, {
      callback: (error, msg) => {
        if (error) return;
        const envelope = JSON.parse(decoder.decode(msg.data)) as EventEnvelope;
        this.queue = this.queue.then(() => this.onSagaEvent(envelope)).catch(() => undefined);
      },
    });
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = null;
    await this.queue;
  }

  requestsFor(orderId: string): ReservationRequest[] {
    return this.requests.filter((r) => r.orderId === orderId);
  }

  releasesFor(orderId: string): string[] {
    return this.releases.filter((r) => r.orderId === orderId).map((r) => r.sku);
  }

  /** Answers a request by hand: reserved, or rejected with `available` units. */
  async answer(request: ReservationRequest, outcome: 'reserved' | { available: number }): Promise<EventEnvelope> {
    const { orderId, sku, quantity } = request;
    const envelope: EventEnvelope =
      outcome === 'reserved'
        ? this.envelope(request.envelope, 'StockReserved', sku, { sku, orderId, quantity })
        : this.envelope(request.envelope, 'StockReservationRejected', sku, { sku, orderId, requested: quantity, available: outcome.available });
    await this.publish(envelope);
    return envelope;
  }

  /** Publishes an envelope to its inventory subject; `msgId` other than the event id redelivers it. */
  async publish(envelope: EventEnvelope, msgId: string = envelope.eventId): Promise<void> {
    await publishAsRelay(this.js, this.namespace, 'inventory', 'sku', envelope, msgId);
    this.answers.push(envelope);
  }

  private async onSagaEvent(envelope: EventEnvelope): Promise<void> {
    if (envelope.type === 'ReservationReleaseRequested') {
      const { orderId, sku } = envelope.data as ReleaseRequest;
      this.releases.push({ orderId, sku });
      return;
    }
    if (envelope.type !== 'ReservationRequested') return;
    const data = envelope.data as { orderId: string; sku: string; quantity: number };
    const request: ReservationRequest = { ...data, envelope };
    this.requests.push(request);
    if (this.silent.has(data.sku)) return;
    const available = this.available.get(data.sku) ?? 0;
    if (available >= data.quantity) {
      this.available.set(data.sku, available - data.quantity);
      await this.answer(request, 'reserved');
    } else {
      await this.answer(request, { available });
    }
  }

  private envelope(cause: EventEnvelope, type: string, sku: string, data: unknown): EventEnvelope {
    this.position++;
    return testEnvelope(type, data, `sku-${sku}`, {
      schemaVersion: 1,
      streamPosition: this.position,
      globalPosition: this.position,
      correlationId: cause.correlationId,
      causationId: cause.eventId,
      traceparent: cause.traceparent,
    });
  }
}
