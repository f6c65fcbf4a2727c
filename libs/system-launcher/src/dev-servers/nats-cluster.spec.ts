// The three-node NATS cluster of issue 14's drills, and NATS_STREAM_REPLICAS on it: a context's
// stream is kept by three servers, survives the SIGKILL of its leader with every message once, and
// the node that comes back catches up.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, contextStreamSpec, ensureStream } from '@stockflow/messaging';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsCluster } from './nats-cluster.js';
import { findNatsServer } from './nats-server.js';

const executable = findNatsServer();

(executable ? describe : describe.skip)('a three-node NATS cluster of our own (R3 streams)', () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const scheme = { namespace: 'cl', streamReplicas: 3 };
  const spec = contextStreamSpec('inventory', scheme);

  beforeAll(async () => {
    const started = Date.now();
    cluster = await NatsCluster.start({ executable: executable!, baseDir: mkdtempSync(join(tmpdir(), 'stockflow-nats-cluster-')) });
    console.info(`three-node NATS cluster with JetStream ready in ${Date.now() - started} ms`);
    nc = await connectNats({ url: cluster.url, name: 'nats-cluster-spec' });
    jsm = await jetstreamManager(nc);
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it('provisions a context stream on three servers, and raises an R1 stream to the configured replicas', async () => {
    await ensureStream(jsm, { ...spec, replicas: 1 });
    expect((await jsm.streams.info(spec.name)).config.num_replicas).toBe(1);
    await ensureStream(jsm, spec);
    const info = await jsm.streams.info(spec.name);
    expect(info.config.num_replicas).toBe(3);
    // Asking for fewer does not shrink it: one misconfigured process cannot lower what the others keep.
    await ensureStream(jsm, { ...spec, replicas: 1 });
    expect((await jsm.streams.info(spec.name)).config.num_replicas).toBe(3);
  });

  it('keeps every message, once, through the SIGKILL of the stream leader, and the node catches up when it is back', async () => {
    const js = jetstream(nc, { timeout: 5_000 });
    const subject = `${spec.subjects[0]!.slice(0, -1)}sku.StockReceived`;
    const publish = async (i: number): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          await js.publish(subject, new TextEncoder().encode(String(i)), { msgID: `m-${i}` });
          return;
        } catch (error) {
          // A new stream leader is being elected: the same message id again is stored once.
          if (attempt > 40) throw error;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    for (let i = 0; i < 200; i++) await publish(i);
    await new Promise((r) => setTimeout(r, 300));
    const leader = (await jsm.streams.info(spec.name)).cluster?.leader;
    const victim = cluster.nodes.findIndex((n) => n.name === leader);
    expect(victim).toBeGreaterThanOrEqual(0);
    const killedAt = Date.now();
    await cluster.kill(victim);
    // Some client connections were to the victim; they reconnect to the others.
    for (let i = 200; i < 400; i++) await publish(i);
    const publishedAfterMs = Date.now() - killedAt;
    const info = await jsm.streams.info(spec.name);
    expect(info.state.messages).toBe(400);
    expect(info.cluster?.leader).not.toBe(leader);

    await cluster.restart(victim);
    const until = Date.now() + 30_000;
    let current = false;
    while (!current && Date.now() < until) {
      const replicas = (await jsm.streams.info(spec.name)).cluster?.replicas ?? [];
      current = replicas.length === 2 && replicas.every((r) => r.current);
      if (!current) await new Promise((r) => setTimeout(r, 250));
    }
    expect(current).toBe(true);
    const seen = new Set<string>();
    for (let seq = 1; seq <= 400; seq++) seen.add(new TextDecoder().decode((await jsm.streams.getMessage(spec.name, { seq }))!.data));
    expect(seen.size).toBe(400);
    console.info(`stream leader ${leader} killed: 200 more messages stored ${publishedAfterMs} ms later; the node rejoined and is current`);
  }, 90_000);
});
