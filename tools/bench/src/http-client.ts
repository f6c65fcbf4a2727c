// JSON over HTTP for the benchmarks: node:http with keep-alive connections (cheaper per request than
// fetch, which matters when the load generator shares 2 cores with the system it measures).
import { Agent, request } from 'node:http';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** One request, JSON in and out; no retry. Rejects on a connection error. */
export function send(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      { method, agent, headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: text });
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A request retried up to 3 times on connection errors (set-up traffic, not measured load). */
export async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(method, url, body, headers);
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(100);
    }
  }
}

/**
 * `call`, failing unless the answer has `status`; returns the body. A 5xx is retried a few times
 * (set-up on a shared machine: PostgreSQL may be out of connections for a moment).
 */
export async function must(method: string, url: string, body: unknown, status: number, headers: Record<string, string> = {}): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const response = await call(method, url, body, headers);
    if (response.status === status) return response.body;
    if (response.status < 500 || attempt >= 5) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
    await sleep(200 * attempt);
  }
}

/** Runs `work` over `items` with `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}
