import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { NATS_CONNECTION, SERVICE_CONFIG, SERVICE_LOGGER, ServiceMetrics } from '@stockflow/platform';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { NotificationsConfig } from '../notifications-config.js';
import { liveInboxWildcard, type LiveInboxMessage } from '../shared/live-subject.js';
import type { InboxItem } from './inbox.dto.js';
import { InboxService } from './inbox.service.js';

/** A stream's write buffer beyond this means the client does not read: it is closed (it can resume). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Ids a stream remembers having sent (live and poll may both bring one). */
const RECENT_IDS = 4096;

type Source = 'live' | 'poll' | 'replay';

/** One open `text/event-stream` response of one customer. */
class InboxStream {
  /** Highest id sent (or the position the stream started after). */
  lastSentId: number;
  private readonly recent = new Set<number>();
  private readonly held: InboxItem[] = [];
  private replaying = true;
  private heartbeat: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    readonly customerId: string,
    private readonly res: ServerResponse,
    startAfter: number,
    private readonly onSent: (source: Source) => void,
  ) {
    this.lastSentId = startAfter;
  }

  start(heartbeatMs: number): void {
    this.res.write('retry: 2000\n: connected\n\n');
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), heartbeatMs);
    this.heartbeat.unref();
  }

  /** Live and polled rows wait while the replay runs, then go out in id order. */
  offer(item: InboxItem, source: Source): void {
    if (this.replaying) {
      this.held.push(item);
      return;
    }
    this.send(item, source);
  }

  send(item: InboxItem, source: Source): void {
    if (this.closed || this.recent.has(item.notificationId) || item.notificationId <= this.floor) return;
    this.recent.add(item.notificationId);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
    if (item.notificationId > this.lastSentId) this.lastSentId = item.notificationId;
    this.write(`id: ${item.notificationId}\nevent: notification\ndata: ${JSON.stringify(item)}\n\n`);
    this.onSent(source);
  }

  /** Ids at or below the start position were sent before the client reconnected. */
  private floor = 0;

  beginAfter(id: number): void {
    this.floor = id;
    if (id > this.lastSentId) this.lastSentId = id;
  }

  endReplay(): void {
    this.replaying = false;
    for (const item of this.held.sort((a, b) => a.notificationId - b.notificationId)) this.send(item, 'live');
    this.held.length = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded) this.res.end();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.close();
      return;
    }
    this.res.write(chunk);
  }
}

/**
 * The live side of the web channel. One core-NATS subscription to every customer's live subject
 * (the notifier publishes a row after its commit) pushes to the open streams; a poll of the inbox
 * table every SSE_POLL_MS catches what a lost publish would have missed. A stream that starts with
 * Last-Event-ID first replays the inbox after it, holding live rows back until the replay is done.
 */
@Injectable()
export class LiveInbox implements OnModuleInit, OnModuleDestroy {
  private readonly streams = new Map<string, Set<InboxStream>>();
  private subscription: Subscription | undefined;
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly open: Gauge;
  private readonly sent: Counter<'source'>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly inbox: InboxService,
    metrics: ServiceMetrics,
  ) {
    this.open = new Gauge({ name: 'notification_streams_open', help: 'Open web notification streams (SSE).', registers: [metrics.registry] });
    this.sent = new Counter({
      name: 'notification_stream_events_total',
      help: 'Notifications written to open streams, by how they arrived (live NATS message, inbox poll, Last-Event-ID replay).',
      labelNames: ['source'] as const,
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.subscription = this.nats.subscribe(liveInboxWildcard(this.config.NATS_NAMESPACE), {
      callback: (error, msg) => {
        if (error) return this.logger.warn({ err: error }, 'live inbox subscription error');
        try {
          const message = msg.json<LiveInboxMessage>();
          this.dispatch(message.customerId, toItem(message), 'live');
        } catch (decodeError) {
          this.logger.warn({ err: decodeError, subject: msg.subject }, 'unreadable live inbox message');
        }
      },
    });
    this.poller = setInterval(() => void this.poll(), this.config.SSE_POLL_MS);
    this.poller.unref();
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    clearInterval(this.poller);
    for (const set of this.streams.values()) for (const stream of set) stream.close();
    this.streams.clear();
    this.open.set(0);
  }

  get openStreams(): number {
    let n = 0;
    for (const set of this.streams.values()) n += set.size;
    return n;
  }

  /**
   * Serves a stream on `res` (headers already written) until the client goes away. With
   * `lastEventId` it replays everything after it first; without, it starts after the newest row.
   */
  async serve(customerId: string, res: ServerResponse, lastEventId: number | null): Promise<void> {
    const stream = new InboxStream(customerId, res, lastEventId ?? 0, (source) => this.sent.inc({ source }));
    // Registered before the replay query, so nothing that commits meanwhile falls between the two.
    this.add(stream);
    res.on('close', () => this.remove(stream));
    stream.start(this.config.SSE_HEARTBEAT_MS);
    try {
      if (lastEventId === null) {
        stream.beginAfter(await this.inbox.newestId(customerId));
      } else {
        stream.beginAfter(lastEventId);
        for (let after = lastEventId; !stream.closed; ) {
          const page = await this.inbox.after([customerId], after, 500);
          for (const item of page) stream.send(item, 'replay');
          if (page.length < 500) break;
          after = page[page.length - 1]!.notificationId;
        }
      }
      stream.endReplay();
    } catch (error) {
      this.logger.warn({ err: error, customerId }, 'notification stream replay failed');
      stream.close();
    }
  }

  private dispatch(customerId: string, item: InboxItem, source: Source): void {
    const set = this.streams.get(customerId);
    if (!set) return;
    for (const stream of set) stream.offer(item, source);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.streams.size === 0) return;
    this.polling = true;
    try {
      const customers: string[] = [];
      const after: number[] = [];
      for (const [customerId, set] of this.streams) {
        let min = Number.MAX_SAFE_INTEGER;
        for (const stream of set) min = Math.min(min, stream.lastSentId);
        customers.push(customerId);
        after.push(min);
      }
      for (let i = 0; i < customers.length; i += 1000) {
        const rows = await this.inbox.afterEach(customers.slice(i, i + 1000), after.slice(i, i + 1000));
        for (const row of rows) this.dispatch(row.customerId, row, 'poll');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'inbox poll failed');
    } finally {
      this.polling = false;
    }
  }

  private add(stream: InboxStream): void {
    let set = this.streams.get(stream.customerId);
    if (!set) this.streams.set(stream.customerId, (set = new Set()));
    set.add(stream);
    this.open.inc();
  }

  private remove(stream: InboxStream): void {
    stream.close();
    const set = this.streams.get(stream.customerId);
    if (!set?.delete(stream)) return;
    this.open.dec();
    if (set.size === 0) this.streams.delete(stream.customerId);
  }
}

function toItem(message: LiveInboxMessage): InboxItem {
  return {
    notificationId: message.id,
    sku: message.sku,
    kind: message.kind,
    title: message.title,
    body: message.body,
    link: message.link,
    read: false,
    createdAt: message.createdAt,
  };
}
