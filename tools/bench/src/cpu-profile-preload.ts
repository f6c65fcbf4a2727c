// Loaded into a process of the system with NODE_OPTIONS="--import <this file>" (NODE_OPTIONS does
// not take --cpu-prof): on SIGUSR2 (sent once set-up is done, so start-up is left out) it starts the
// V8 sampling profiler, as --cpu-prof uses, and when the process exits it writes
// <BENCH_CPU_PROF_DIR>/<BENCH_CPU_PROF_NAME>.<pid>.cpuprofile.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  process.once('SIGUSR2', () => {
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.start');
    // The in-process inspector answers synchronously, so this works in an 'exit' listener.
    process.once('exit', () => {
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(resolve(dir, `${process.env.BENCH_CPU_PROF_NAME ?? 'process'}.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      });
    });
  });
}
