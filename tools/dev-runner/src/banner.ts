import { relative } from 'node:path';

export interface BannerServer {
  readonly name: string;
  readonly url: string;
  readonly how: string;
}

export interface BannerProcess {
  readonly name: string;
  readonly url: string;
  readonly ready: boolean;
  /** What to open there, if anything (API docs, the page). */
  readonly note?: string;
}

export interface BannerInput {
  readonly servers: readonly BannerServer[];
  readonly processes: readonly BannerProcess[];
  readonly logsDir: string;
  readonly verbose: boolean;
}

/** What `npm start` prints once everything is started: each server and process, its URL, and whether it is ready. */
export function banner(input: BannerInput): string {
  const width = Math.max(...[...input.servers, ...input.processes].map((p) => p.name.length)) + 2;
  const urlWidth = Math.max(...[...input.servers, ...input.processes].map((p) => p.url.length)) + 2;
  const row = (name: string, url: string, rest: string): string => `  ${name.padEnd(width)}${url.padEnd(urlWidth)}${rest}`.trimEnd();
  const notReady = input.processes.filter((p) => !p.ready).length;
  const near = relative(process.cwd(), input.logsDir);
  const logs = near.startsWith('..') ? input.logsDir : near || '.';
  return [
    '',
    notReady ? `stockflow is running; ${notReady} not ready yet (a line follows when each is)` : 'stockflow is running, every process ready',
    ...input.servers.map((s) => row(s.name, s.url, s.how)),
    ...input.processes.map((p) => row(p.name, p.url, `${p.ready ? 'ready' : 'not ready yet'}${p.note ? `   ${p.note}` : ''}`)),
    input.verbose
      ? `  Logs: every line below, and in ${logs}/<process>.log`
      : `  Logs: ${logs}/<process>.log; below only warnings and errors (npm start -- --verbose: everything)`,
    '  A process that dies is restarted (after 0.5 s, doubling to 10 s). Ctrl-C stops everything.',
    '',
  ].join('\n');
}
