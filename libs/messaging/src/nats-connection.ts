import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';

export type { NatsConnection };

export interface NatsConnectionOptions {
  readonly url?: string;
  readonly name: string;
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** Connects with reconnects that never give up: a service outlives a NATS restart. */
export function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  const url = options.url ?? process.env.NATS_URL ?? DEFAULT_NATS_URL;
  return connect({ servers: url.split(','), name: options.name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
}

/** `major.minor` of the server, to choose options the server supports (2.9 lacks several). */
export function serverSupports(nc: NatsConnection, major: number, minor: number): boolean {
  const [maj = 0, min = 0] = (nc.info?.version ?? '0.0.0').split('.').map(Number);
  return maj > major || (maj === major && min >= minor);
}
