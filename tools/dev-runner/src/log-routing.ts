import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

const SERIOUS = new Set(['warn', 'error', 'fatal']);

/**
 * What one output line of a process shows in the terminal (undefined: nothing, it is in the log file
 * only). The processes write pino JSON lines: warnings and errors show as `<process> <LEVEL> <msg>`
 * (with the error's message); anything else that is not JSON on stderr (a crash's stack) shows as is.
 */
export function terminalLine(process: string, line: string, stream: 'stdout' | 'stderr'): string | undefined {
  const record = parseJson(line);
  if (!record) return stream === 'stderr' ? `${process} | ${line}` : undefined;
  const level = typeof record['level'] === 'number' ? numericLevel(record['level']) : String(record['level'] ?? '');
  if (!SERIOUS.has(level)) return undefined;
  const err = record['err'] as { message?: unknown } | undefined;
  const detail = err && typeof err.message === 'string' && err.message !== record['msg'] ? ` (${err.message})` : '';
  return `${process} | ${level.toUpperCase()} ${String(record['msg'] ?? '')}${detail}`;
}

function numericLevel(level: number): string {
  return level >= 60 ? 'fatal' : level >= 50 ? 'error' : level >= 40 ? 'warn' : 'info';
}

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every output line of every process goes to `<logsDir>/<process>.log` (new for each `npm start`);
 * the terminal shows warnings and errors, or everything when verbose.
 */
export class LogRouter {
  private readonly files = new Map<string, WriteStream>();

  constructor(
    readonly logsDir: string,
    private readonly verbose: boolean,
    private readonly terminal: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {
    mkdirSync(logsDir, { recursive: true });
  }

  line(process: string, line: string, stream: 'stdout' | 'stderr'): void {
    this.file(process).write(`${line}\n`);
    const shown = this.verbose ? `${process} | ${line}` : terminalLine(process, line, stream);
    if (shown !== undefined) this.terminal(shown);
  }

  async close(): Promise<void> {
    await Promise.all([...this.files.values()].map((file) => new Promise((done) => file.end(done))));
  }

  private file(process: string): WriteStream {
    let file = this.files.get(process);
    if (!file) {
      file = createWriteStream(join(this.logsDir, `${process}.log`), { flags: 'w' });
      this.files.set(process, file);
    }
    return file;
  }
}
