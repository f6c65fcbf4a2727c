/** A single progress line on stderr, rewritten in place when stderr is a terminal. */
export class ProgressLine {
  private last = 0;
  constructor(private readonly label: string) {}

  update(text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < 500) return;
    this.last = now;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${this.label}: ${text}`);
    else process.stderr.write(`${this.label}: ${text}\n`);
  }

  done(text: string): void {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K`);
    process.stderr.write(`${this.label}: ${text}\n`);
  }
}
