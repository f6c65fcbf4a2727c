/** One Server-Sent Event as it arrived. */
export interface SseEvent<T> {
  readonly id: string | null;
  readonly event: string | null;
  readonly data: T;
  /** When it arrived (`Date.now()`). */
  readonly at: number;
}

/** A Server-Sent Events client over fetch that collects events (and comments) as they arrive. */
export interface SseClient<T> {
  readonly events: SseEvent<T>[];
  readonly comments: string[];
  readonly status: number;
  readonly headers: Headers;
  /** Waits until `n` events have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

export interface OpenSseOptions<T> {
  readonly headers?: Record<string, string>;
  /** Turns an event's `data` into what `events` hold (e.g. `JSON.parse`); the text as is by default. */
  readonly parse?: (data: string) => T;
}

export async function openSse<T = string>(url: string, options: OpenSseOptions<T> = {}): Promise<SseClient<T>> {
  const parse = options.parse ?? ((data: string) => data as T);
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...options.headers }, signal: controller.signal });
  const events: SseEvent<T>[] = [];
  const comments: string[] = [];
  const waiters: (() => void)[] = [];
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let id: string | null = null;
            let event: string | null = null;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length) events.push({ id, event, data: parse(data.join('\n')), at: Date.now() });
            waiters.splice(0).forEach((wake) => wake());
          }
        }
      } catch {
        // closed
      }
    })();
  }
  return {
    events,
    comments,
    status: response.status,
    headers: response.headers,
    async waitFor(n, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (events.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} SSE events, got ${events.length}: ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => controller.abort(),
  };
}
