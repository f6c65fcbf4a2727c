import { describe, expect, it } from '@jest/globals';
import { KeyedSerializer } from './keyed-serializer.js';

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

describe('KeyedSerializer', () => {
  it('runs the tasks of one key one at a time, in order, and other keys alongside', async () => {
    const lanes = new KeyedSerializer();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string, ms: number) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([lanes.run('a', task('a1', 5)), lanes.run('a', task('a2', 1)), lanes.run('b', task('b1', 1)), lanes.run('a', task('a3', 1))]);
    expect(results).toEqual(['a1', 'a2', 'b1', 'a3']);
    const a = log.filter((l) => l.endsWith('a1') || l.endsWith('a2') || l.endsWith('a3'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(maxRunning).toBe(2);
  });

  it('goes on after a failed task, and forgets idle keys', async () => {
    const lanes = new KeyedSerializer();
    const failed = lanes.run('k', async () => {
      throw new Error('boom');
    });
    const next = lanes.run('k', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
    await tick();
    expect(lanes.size).toBe(0);
  });

  it('drains: waits for every queued task, including ones queued while draining', async () => {
    const lanes = new KeyedSerializer();
    const done: string[] = [];
    void lanes.run('a', async () => {
      await tick(5);
      done.push('a1');
      void lanes.run('b', async () => {
        await tick(5);
        done.push('b1');
      });
    });
    void lanes.run('a', async () => {
      await tick(1);
      done.push('a2');
    });
    await lanes.drain();
    // Every task ran; within lane a in order (lanes a and b are independent, so a2 and b1 may come either way).
    expect([...done].sort()).toEqual(['a1', 'a2', 'b1']);
    expect(done.indexOf('a1')).toBeLessThan(done.indexOf('a2'));
    expect(lanes.size).toBe(0);
    await lanes.drain(); // nothing queued: resolves at once
  });
});
