import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { Operations } from './operations.js';
import { table } from './table.js';

export const USAGE = `stockflow — the operator's toolbox (ADR 0036)

  stockflow streams                         stockflow's streams: messages, bytes, consumers
  stockflow consumers [--stream S]          every consumer with its lag (pending + ack pending), most behind first
  stockflow dead-letters [CONSUMER]         dead letters per consumer; with CONSUMER, each one with its reason
  stockflow replay CONSUMER --seq N|--all   sends dead letters back to that consumer only, after a fix
  stockflow purge CONSUMER [--yes]          deletes a consumer's dead letters (asks first; --yes for scripts)
  stockflow rebuild [--url U] [--token T]   rebuilds every read model (POST /admin/rebuild on the projections)

Options: --json (output for scripts), --namespace NS (default NATS_NAMESPACE).
NATS: NATS_URL, NATS_USER, NATS_PASSWORD (an operator's user: replay and purge need the dead-letter stream).
Rebuild: --url (default http://127.0.0.1:3005), --token or STOCKFLOW_TOKEN (an operator's bearer token).`;

/** What the CLI needs of the world, so that tests drive it as a process and the code stays plain. */
export interface CliContext {
  readonly operations: () => Promise<Operations>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly interactive: boolean;
  readonly ask: (question: string) => Promise<string>;
  readonly env: NodeJS.ProcessEnv;
  readonly fetch: typeof fetch;
}

/** Runs one command; the process's exit code. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        namespace: { type: 'string' },
        stream: { type: 'string' },
        seq: { type: 'string' },
        all: { type: 'boolean' },
        yes: { type: 'boolean' },
        url: { type: 'string' },
        token: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    ctx.err(`stockflow: ${(error as Error).message}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, subject] = positionals;
  if (values.help || !command) {
    ctx.out(USAGE);
    return command || values.help ? 0 : 2;
  }
  const print = (rows: readonly object[], what: string) => {
    if (values.json) ctx.out(JSON.stringify(rows, null, 2));
    else ctx.out(rows.length === 0 ? `no ${what}` : table(rows as ReadonlyArray<Record<string, unknown>>));
  };
  switch (command) {
    case 'streams':
      print(await (await ctx.operations()).streams(), 'streams');
      return 0;
    case 'consumers':
      print(await (await ctx.operations()).consumers(values.stream), 'consumers');
      return 0;
    case 'dead-letters': {
      const ops = await ctx.operations();
      if (subject) print(await ops.deadLetters(subject, values.limit ? Number(values.limit) : undefined), `dead letters of ${subject}`);
      else print(await ops.deadLetterSummary(), 'dead letters');
      return 0;
    }
    case 'replay': {
      if (!subject) return usage(ctx, 'replay needs the consumer: stockflow replay CONSUMER --seq N|--all');
      if (Boolean(values.all) === (values.seq !== undefined)) return usage(ctx, 'replay needs exactly one of --seq N (one dead letter) or --all');
      const seq = values.seq === undefined ? undefined : Number(values.seq);
      if (seq !== undefined && !(Number.isSafeInteger(seq) && seq > 0)) return usage(ctx, `--seq must be a dead letter's sequence, not ${values.seq}`);
      const result = await (await ctx.operations()).replay(subject, seq, (done) => {
        if (!values.json && done % 100 === 0) ctx.err(`replay: ${done} sent back to ${subject}…`);
      });
      if (values.json) ctx.out(JSON.stringify(result));
      else ctx.out(result.replayed === 0 ? `nothing to replay for ${subject}` : `replayed ${result.replayed} dead letter(s) to ${subject}: ${result.seqs.join(', ')}`);
      return 0;
    }
    case 'purge': {
      if (!subject) return usage(ctx, 'purge needs the consumer: stockflow purge CONSUMER [--yes]');
      const ops = await ctx.operations();
      if (!values.yes) {
        if (!ctx.interactive) return usage(ctx, `purge deletes every dead letter of ${subject} for good: confirm with --yes when not at a terminal`);
        const count = (await ops.deadLetterSummary()).find((s) => s.consumer === subject)?.count ?? 0;
        const answer = await ctx.ask(`Delete ${count} dead letter(s) of ${subject} for good? Type the consumer's name to confirm: `);
        if (answer.trim() !== subject) {
          ctx.err('purge: not confirmed; nothing deleted');
          return 1;
        }
      }
      const purged = await ops.purge(subject);
      ctx.out(values.json ? JSON.stringify({ purged }) : `purged ${purged} dead letter(s) of ${subject}`);
      return 0;
    }
    case 'rebuild':
      return rebuild(values.url ?? ctx.env['STOCKFLOW_PROJECTIONS_URL'] ?? 'http://127.0.0.1:3005', values.token ?? ctx.env['STOCKFLOW_TOKEN'], Boolean(values.json), ctx);
    default:
      return usage(ctx, `unknown command ${command}`);
  }
}

function usage(ctx: CliContext, message: string): number {
  ctx.err(`stockflow: ${message} (stockflow --help)`);
  return 2;
}

/** POST /admin/rebuild, a progress line every 2 s while it runs. */
async function rebuild(url: string, token: string | undefined, json: boolean, ctx: CliContext): Promise<number> {
  const started = Date.now();
  const progress = setInterval(() => ctx.err(`rebuild: replaying… ${Math.round((Date.now() - started) / 1000)} s`), 2_000);
  try {
    const response = await ctx.fetch(new URL('/admin/rebuild', url), { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
    const body = (await response.json().catch(() => null)) as { events?: number; eventsPerSecond?: number; detail?: string } | null;
    if (!response.ok) {
      ctx.err(`rebuild: ${response.status} ${body?.detail ?? response.statusText}${response.status === 401 ? ' (give an operator token: --token or STOCKFLOW_TOKEN)' : ''}`);
      return 1;
    }
    ctx.out(json ? JSON.stringify(body) : `rebuilt every read model: ${body?.events ?? '?'} events at ${body?.eventsPerSecond ?? '?'} events/s`);
    return 0;
  } finally {
    clearInterval(progress);
  }
}

/** The context of the real process: stdin/stdout, its environment, a prompt when at a terminal. */
export function processContext(operations: () => Promise<Operations>): CliContext {
  return {
    operations,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    env: process.env,
    fetch,
  };
}
