import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';

export type { NatsConnection };

export interface NatsConnectionOptions {
  readonly url?: string;
  readonly name: string;
  /** The process's NATS user (ADR 0020); default `NATS_USER`. None: an anonymous connection (development). */
  readonly user?: string;
  /** Its password; default `NATS_PASSWORD`. A secret: never logged. */
  readonly password?: string;
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/**
 * The prefix of a user's reply subjects, `_INBOX_<user>`: its permissions let it subscribe there
 * and nowhere else under an inbox, so no process reads the replies (pull batches, publish acks)
 * meant for another.
 */
export function natsInboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

/**
 * Connects with reconnects that never give up (ADR 0019): a service outlives a NATS restart or
 * outage of any length, trying every 0.5 s plus up to 0.25 s of jitter (so a fleet does not
 * reconnect in step), and pings every 10 s so a server that vanished without closing the socket is
 * noticed after three unanswered pings rather than minutes. Publishes meanwhile wait in the
 * client's buffer; requests (JetStream publishes, pulls) fail after their timeout. Without async
 * traces: otherwise every request (each JetStream publish and pull) builds two Error objects with
 * stack traces up front, in case it fails — 9% of a rebuild's profile, most of it the relay's and
 * consumers' hot path. Errors still carry their message and cause.
 */
export function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  const url = options.url ?? process.env.NATS_URL ?? DEFAULT_NATS_URL;
  const user = options.user ?? (process.env.NATS_USER || undefined);
  const password = options.password ?? process.env.NATS_PASSWORD ?? '';
  const credentials = user ? { user, pass: password, inboxPrefix: natsInboxPrefix(user) } : {};
  return connect({
    servers: url.split(','),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    pingInterval: 10_000,
    maxPingOut: 3,
    noAsyncTraces: true,
    ...credentials,
  });
}

/** `major.minor` of the server, to choose options the server supports (2.9 lacks several). */
export function serverSupports(nc: NatsConnection, major: number, minor: number): boolean {
  const [maj = 0, min = 0] = (nc.info?.version ?? '0.0.0').split('.').map(Number);
  return maj > major || (maj === major && min >= minor);
}
