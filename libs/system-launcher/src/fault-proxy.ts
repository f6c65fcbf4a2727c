import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FaultProxyTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * A TCP proxy for fault injection in tests: everything the system sends to a server (PostgreSQL,
 * NATS) goes through it, so a test can take the server away without touching it — `cut()` closes
 * every connection and stops listening (new connections are refused, as from a stopped server)
 * until `restore()`. One file of its own, to move to a shared testing library as it is.
 */
export class FaultProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private listenPort = 0;
  private restoreTimer: NodeJS.Timeout | null = null;
  /** Connections cut by `cut()`, over the proxy's life. */
  connectionsCut = 0;

  private constructor(readonly target: FaultProxyTarget) {}

  /** Listens on 127.0.0.1, on `port` or a free one. */
  static async start(target: FaultProxyTarget, port = 0): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    await proxy.listen(port);
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  get isUp(): boolean {
    return this.server !== null;
  }

  /** `url` with its host and port replaced by the proxy's (`postgres://u@host:5432/db` → `postgres://u@127.0.0.1:<port>/db`). */
  proxiedUrl(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.listenPort);
    return parsed.toString();
  }

  /**
   * The outage: every open connection is closed and no new one is accepted — for `ms`
   * milliseconds when given, else until `restore()`.
   */
  async cut(ms?: number): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      const closed = new Promise<void>((done) => server.close(() => done()));
      this.connectionsCut += this.sockets.size;
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
      await closed;
    }
    if (ms !== undefined) this.restoreTimer = setTimeout(() => void this.restore(), ms);
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    this.restoreTimer = null;
    if (!this.server) await this.listen(this.listenPort);
  }

  async close(): Promise<void> {
    await this.cut();
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    this.restoreTimer = null;
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listenPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      // Either side failing or closing ends both, as a dropped connection would.
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
