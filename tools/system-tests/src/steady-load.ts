// A steady open-loop load of REST commands for the fault-injection tests: every command is sent on
// schedule whatever the previous ones are doing, and its answer (or its lack of one) is recorded.

/** One HTTP command and what came back. */
export interface CommandOutcome {
  readonly kind: string;
  /** What the command was about (an SKU, a cart id, …). */
  readonly subject: string;
  /** When it was sent (ms since the epoch) and how long the answer took. */
  readonly sentAt: number;
  readonly ms: number;
  /** 0 when no answer came (connection error, or nothing within the client timeout). */
  readonly status: number;
  readonly contentType: string | null;
  readonly retryAfter: string | null;
  readonly body: Record<string, unknown> | null;
}

/** Longest a command may go unanswered before it counts as a hang. */
export const COMMAND_TIMEOUT_MS = 30_000;

/** Sends one command and records its outcome; never throws. */
export async function command(kind: string, subject: string, method: string, url: string, body?: unknown): Promise<CommandOutcome> {
  const sentAt = Date.now();
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      parsed = { unparsed: text.slice(0, 200) };
    }
    return {
      kind,
      subject,
      sentAt,
      ms: performance.now() - started,
      status: response.status,
      contentType: response.headers.get('content-type'),
      retryAfter: response.headers.get('retry-after'),
      body: parsed,
    };
  } catch (error) {
    return { kind, subject, sentAt, ms: performance.now() - started, status: 0, contentType: null, retryAfter: null, body: { error: String(error) } };
  }
}

/**
 * Starts `work(i)` every `1000 / perSecond` ms (the i-th unit of work may send several commands)
 * until `stop()`, which waits for every unit still under way.
 */
export class SteadyLoad {
  readonly outcomes: CommandOutcome[] = [];
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private sent = 0;

  constructor(
    private readonly perSecond: number,
    private readonly work: (i: number, record: (outcome: CommandOutcome) => CommandOutcome) => Promise<unknown>,
  ) {}

  start(): void {
    const startedAt = performance.now();
    const tick = (): void => {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * this.perSecond);
      while (this.sent < due) {
        const unit = this.work(this.sent++, (outcome) => {
          this.outcomes.push(outcome);
          return outcome;
        })
          .then(() => undefined)
          .catch(() => undefined)
          .finally(() => this.running.delete(unit));
        this.running.add(unit);
      }
      this.timer = setTimeout(tick, 5);
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all([...this.running]);
  }
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
