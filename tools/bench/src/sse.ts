// A Server-Sent Events reader: calls `onEvent` for each complete event (event name, data text) with
// its arrival time (Date.now() when the chunk that completed it was read).
import { request } from 'node:http';

export interface SseEvent {
  readonly event: string;
  readonly id: string | null;
  readonly data: string;
  readonly at: number;
}

export interface SseStream {
  close(): void;
}

/** Opens `url` and resolves once the server answered 200 (the subscription is then registered). */
export function openSse(url: string, onEvent: (event: SseEvent) => void, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`SSE ${url}: ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        const at = Date.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let id: string | null = null;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) onEvent({ event, id, data: data.join('\n'), at });
        }
      });
      res.on('error', () => undefined);
      resolve({ close: () => req.destroy() });
    });
    req.on('error', (error) => reject(error));
    req.end();
  });
}
