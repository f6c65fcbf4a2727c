import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connectNats } from '@stockflow/messaging';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../port-offset.js';
import { startServerProcess, type DevServer } from './dev-server.js';

export interface NatsClusterOptions {
  /** The nats-server executable (see `findNatsServer`). */
  readonly executable: string;
  /** Each node's configuration and JetStream store go in a folder of its own below this one (removed by `stop`). */
  readonly baseDir: string;
  /** Nodes; 3 by default (JetStream needs a majority: R3 streams survive the loss of one). */
  readonly size?: number;
  readonly output?: (node: string, line: string) => void;
}

/** One node of a test cluster, with the ports it keeps across restarts. */
export interface NatsClusterNode {
  readonly name: string;
  readonly clientPort: number;
  readonly routePort: number;
  readonly url: string;
  /** Running now (false between `kill` and `restart`). */
  readonly running: boolean;
}

/**
 * A NATS cluster of our own on 127.0.0.1 (issue 14's drills): `size` nats-server processes with
 * JetStream, routes to each other, their own client and route ports and store folders. The shared
 * server on 4222 is never touched. A node can be killed with SIGKILL and restarted on the same
 * ports and store, as a crashed machine comes back.
 */
export class NatsCluster {
  private readonly servers: (DevServer | null)[];

  private constructor(
    private readonly options: NatsClusterOptions,
    readonly nodes: NatsClusterNode[],
    private readonly clusterName: string,
  ) {
    this.servers = nodes.map(() => null);
  }

  /** Starts every node, then waits until JetStream answers through the cluster (a meta leader is elected). */
  static async start(options: NatsClusterOptions): Promise<NatsCluster> {
    const size = options.size ?? 3;
    const nodes: NatsClusterNode[] = [];
    const taken = new Set<number>();
    const port = async (): Promise<number> => {
      for (;;) {
        const candidate = await freePort();
        if (!taken.has(candidate)) {
          taken.add(candidate);
          return candidate;
        }
      }
    };
    for (let i = 0; i < size; i++) {
      const clientPort = await port();
      const routePort = await port();
      nodes.push({ name: `n${i + 1}`, clientPort, routePort, url: `nats://127.0.0.1:${clientPort}`, running: false });
    }
    const cluster = new NatsCluster(options, nodes, `stockflow-test-${nodes[0]!.clientPort}`);
    try {
      await Promise.all(nodes.map((_, i) => cluster.startNode(i)));
      await cluster.waitForJetStream();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Every node's URL, comma-separated: what `NATS_URL` takes. */
  get url(): string {
    return this.nodes.map((n) => n.url).join(',');
  }

  /** Kills node `index` with SIGKILL (its store stays). */
  async kill(index: number): Promise<void> {
    const server = this.servers[index];
    this.servers[index] = null;
    this.setRunning(index, false);
    await server?.kill();
  }

  /** Starts node `index` again on its ports and store, and waits until JetStream answers. */
  async restart(index: number): Promise<void> {
    await this.startNode(index);
    await this.waitForJetStream();
  }

  /** Stops every node and removes the store folders. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server?.stop()));
    this.servers.fill(null);
    rmSync(this.options.baseDir, { recursive: true, force: true });
  }

  private async startNode(index: number): Promise<void> {
    const node = this.nodes[index]!;
    const dir = join(this.options.baseDir, node.name);
    mkdirSync(join(dir, 'jetstream'), { recursive: true });
    const routes = this.nodes.filter((n) => n !== node).map((n) => `nats-route://127.0.0.1:${n.routePort}`);
    const config = [
      `server_name: ${node.name}`,
      `listen: "127.0.0.1:${node.clientPort}"`,
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'jetstream'))} }`,
      `cluster {`,
      `  name: ${this.clusterName}`,
      `  listen: "127.0.0.1:${node.routePort}"`,
      `  routes: [${routes.map((r) => JSON.stringify(r)).join(', ')}]`,
      `}`,
      '',
    ].join('\n');
    const file = join(dir, 'node.conf');
    writeFileSync(file, config);
    this.servers[index] = await startServerProcess({
      name: `NATS ${node.name}`,
      url: node.url,
      command: this.options.executable,
      args: ['-c', file],
      port: node.clientPort,
      readyLine: /Server is ready/,
      output: (line) => this.options.output?.(node.name, line),
    });
    this.setRunning(index, true);
  }

  private setRunning(index: number, running: boolean): void {
    this.nodes[index] = { ...this.nodes[index]!, running };
  }

  /** JetStream is ready once the cluster can place a stream on every node; a node that just came back needs a moment too. */
  private async waitForJetStream(timeoutMs = 30_000): Promise<void> {
    const nc = await connectNats({ url: this.url, name: 'nats-cluster-harness' });
    try {
      const until = Date.now() + timeoutMs;
      for (;;) {
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2_000 });
          await jsm.getAccountInfo();
          // A meta leader answers account info before the cluster can place a replicated stream:
          // what the processes do first is create R<size> streams, so that is the readiness probe.
          const probe = `CLUSTER_PROBE_${this.nodes[0]!.clientPort}`;
          await jsm.streams.add({ name: probe, subjects: [`_cluster_probe.${this.nodes[0]!.clientPort}`], num_replicas: this.nodes.length, storage: StorageType.Memory });
          await jsm.streams.delete(probe);
          return;
        } catch (error) {
          if (Date.now() > until) throw new Error(`the NATS cluster's JetStream did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      await nc.close();
    }
  }
}
