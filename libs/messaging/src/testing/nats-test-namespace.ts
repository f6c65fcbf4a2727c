import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { randomBytes } from 'node:crypto';

/** A namespace of its own for one test run on a shared NATS server: `t<hex>`. */
export function uniqueNamespace(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

/** Deletes every stream of the namespace (their consumers go with them). */
export async function deleteNamespaceStreams(nc: NatsConnection, namespace: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const prefix = `${namespace.toUpperCase()}_`;
  for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) await jsm.streams.delete(name);
}
