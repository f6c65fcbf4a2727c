/** An answer read as JSON (an empty body is `undefined`). */
export interface JsonAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** Sends `body` (if any) as JSON and reads the answer as JSON, whatever its status. */
export async function fetchJson<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer<T>> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}
