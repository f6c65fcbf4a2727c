import { sleep } from '@stockflow/event-sourcing';
import type { Pool, PoolClient } from 'pg';

export interface AdvisoryLeadershipOptions {
  /** How often a candidate asks for the lock again, and the leader checks its session; 1 s by default. */
  readonly intervalMs?: number;
  /** Told when this process becomes the leader (true) or stops being it (false). */
  readonly onChange?: (leading: boolean) => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * One leader among the processes that share a PostgreSQL database, for one named role (a context's
 * relay, ADR 0043): the leader holds a session-level advisory lock on a connection of its own, so
 * the lock goes the moment its process or connection dies, and a candidate that asks next (at most
 * `intervalMs` later) takes over. Leadership is a hint for efficiency, never the safety fence: a
 * leader cut off from PostgreSQL learns it only at its next check, so the work it leads must stay
 * safe with two leaders for an instant (the relay's is, by `Nats-Expected-Last-Msg-Id`).
 */
export class AdvisoryLeadership {
  private readonly intervalMs: number;
  private stopping = new AbortController();
  private running: Promise<void> | null = null;
  private leadingNow = false;

  constructor(
    private readonly pool: Pool,
    private readonly role: string,
    private readonly options: AdvisoryLeadershipOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
  }

  get leading(): boolean {
    return this.leadingNow;
  }

  /**
   * Campaigns until `stop()`: while leader, runs `lead(signal)`; the signal aborts when the lock's
   * session is lost or on stop, and `lead` must then end its work before it returns.
   */
  start(lead: (signal: AbortSignal) => Promise<void>): void {
    if (this.running) throw new Error('leadership already started');
    this.stopping = new AbortController();
    this.running = this.campaign(lead, this.stopping.signal);
  }

  /** Ends the work it leads, then gives the lock up (its connection is closed). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    this.running = null;
  }

  private async campaign(lead: (signal: AbortSignal) => Promise<void>, stopping: AbortSignal): Promise<void> {
    while (!stopping.aborted) {
      let client: PoolClient | undefined;
      try {
        client = await this.pool.connect();
        const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [`stockflow:${this.role}`]);
        if (rows[0]?.locked) await this.leadWhileHeld(client, lead, stopping);
      } catch (error) {
        if (!stopping.aborted) this.options.onError?.(error);
      } finally {
        // Closed, not returned to the pool: the session, and the lock with it, end here.
        client?.release(true);
      }
      await sleep(this.intervalMs, stopping);
    }
  }

  private async leadWhileHeld(client: PoolClient, lead: (signal: AbortSignal) => Promise<void>, stopping: AbortSignal): Promise<void> {
    const lost = new AbortController();
    const onStop = (): void => lost.abort();
    // stop() may have come while the lock was being taken: the term then ends before it starts.
    if (stopping.aborted) lost.abort();
    else stopping.addEventListener('abort', onStop, { once: true });
    // A session that died is noticed by its error event or, when nothing arrives, by the next check.
    const onClientError = (error: unknown): void => {
      this.options.onError?.(error);
      lost.abort();
    };
    client.on('error', onClientError);
    const check = setInterval(() => {
      client.query('SELECT 1').catch(onClientError);
    }, this.intervalMs);
    this.setLeading(true);
    try {
      await lead(lost.signal);
    } finally {
      clearInterval(check);
      lost.abort();
      client.off('error', onClientError);
      stopping.removeEventListener('abort', onStop);
      this.setLeading(false);
    }
  }

  private setLeading(leading: boolean): void {
    this.leadingNow = leading;
    this.options.onChange?.(leading);
  }
}
