import { resolve } from 'node:path';

/** `npm start -- [options]`. */
export interface DevOptions {
  /** Every process's log lines in the terminal too, not only warnings and errors. */
  readonly verbose: boolean;
  /** Start an embedded PostgreSQL and a nats-server of its own even when the defaults answer. */
  readonly ownServers: boolean;
  /** Run only these processes (manifest names). */
  readonly only?: readonly string[];
  /** Added to every process's port (runs beside another `npm start`). */
  readonly portOffset: number;
  /** Where the embedded servers' data and the logs go (`.stockflow/`). */
  readonly dataDir: string;
  /** Runs the development identity provider and has every service verify its tokens (ADR 0025, 0026); `--no-auth` turns it off. */
  readonly auth: boolean;
}

export const USAGE = `usage: npm start -- [--verbose] [--own-servers] [--only <process,…>] [--port-offset <n>] [--data-dir <dir>] [--no-auth]
  --verbose          every process's log lines here, not only warnings and errors
  --own-servers      run an embedded PostgreSQL and a nats-server of its own even when the defaults answer
  --only a,b         run only these processes (names as in the banner)
  --port-offset n    add n to every process's port
  --data-dir dir     where the embedded servers' data and the logs go (default .stockflow)
  --no-auth          run without the identity provider: every service treats every caller as an operator`;

export function parseDevOptions(argv: readonly string[], root: string): DevOptions {
  const options = { verbose: false, ownServers: false, only: undefined as string[] | undefined, portOffset: 0, dataDir: resolve(root, '.stockflow'), auth: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--verbose') options.verbose = true;
    else if (arg === '--own-servers') options.ownServers = true;
    else if (arg === '--no-auth') options.auth = false;
    else if (arg === '--only') options.only = value().split(',').filter(Boolean);
    else if (arg === '--port-offset') {
      options.portOffset = Number(value());
      if (!Number.isInteger(options.portOffset) || options.portOffset < 0 || options.portOffset > 60_000) throw new Error(`--port-offset takes a whole number from 0 to 60000\n${USAGE}`);
    } else if (arg === '--data-dir') options.dataDir = resolve(value());
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}
