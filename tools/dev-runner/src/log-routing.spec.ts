import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDevOptions } from './dev-options.js';
import { LogRouter, terminalLine } from './log-routing.js';

describe("npm start's terminal output", () => {
  it('shows warnings and errors with their process, not info lines', () => {
    expect(terminalLine('orders', '{"level":"info","msg":"listening"}', 'stdout')).toBeUndefined();
    expect(terminalLine('orders', '{"level":"warn","msg":"slow append"}', 'stdout')).toBe('orders | WARN slow append');
    expect(terminalLine('relay-orders', '{"level":"error","msg":"publish failed","err":{"message":"timeout"}}', 'stdout')).toBe('relay-orders | ERROR publish failed (timeout)');
    expect(terminalLine('notifier', '{"level":50,"msg":"boom"}', 'stdout')).toBe('notifier | ERROR boom');
    // What is not a log line: a crash's stack on stderr shows, stray stdout does not.
    expect(terminalLine('carts', 'TypeError: x is undefined', 'stderr')).toBe('carts | TypeError: x is undefined');
    expect(terminalLine('carts', 'hello', 'stdout')).toBeUndefined();
  });

  it('writes every line to the process log file, and everything to the terminal when verbose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockflow-logs-'));
    try {
      const quiet: string[] = [];
      const router = new LogRouter(dir, false, (line) => quiet.push(line));
      router.line('orders', '{"level":"info","msg":"a"}', 'stdout');
      router.line('orders', '{"level":"warn","msg":"b"}', 'stdout');
      await router.close();
      expect(readFileSync(join(dir, 'orders.log'), 'utf8')).toBe('{"level":"info","msg":"a"}\n{"level":"warn","msg":"b"}\n');
      expect(quiet).toEqual(['orders | WARN b']);

      const loud: string[] = [];
      const verbose = new LogRouter(dir, true, (line) => loud.push(line));
      verbose.line('orders', '{"level":"info","msg":"a"}', 'stdout');
      await verbose.close();
      expect(loud).toEqual(['orders | {"level":"info","msg":"a"}']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads its options and refuses unknown ones with the usage', () => {
    expect(parseDevOptions([], '/repo')).toEqual({ verbose: false, ownServers: false, only: undefined, portOffset: 0, dataDir: '/repo/.stockflow', auth: true });
    expect(parseDevOptions(['--no-auth'], '/repo').auth).toBe(false);
    expect(parseDevOptions(['--verbose', '--own-servers', '--only', 'orders,relay-orders', '--port-offset', '100', '--data-dir', '/tmp/x'], '/repo')).toEqual({
      verbose: true,
      ownServers: true,
      only: ['orders', 'relay-orders'],
      portOffset: 100,
      dataDir: '/tmp/x',
      auth: true,
    });
    expect(() => parseDevOptions(['--colour'], '/repo')).toThrow(/unknown option --colour\nusage: npm start/);
    expect(() => parseDevOptions(['--port-offset', '-5'], '/repo')).toThrow(/--port-offset/);
  });
});
