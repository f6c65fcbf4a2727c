// `nx run system-tests:ensure-browser` (the system tests depend on it): makes sure the browser tests
// have a Chromium. Found: says where. None, and this process may use apt (root on Debian): installs
// Debian's `chromium` package. Otherwise: fails at once with one line naming what is missing and the
// command that gets it. No browser is downloaded from anywhere else.
import { spawn } from 'node:child_process';
import { lookUpChromium, systemFacts } from './find-chromium.js';

/** Runs apt-get quietly, printing a progress line every 15 s so a long install does not look hung. */
function aptGet(args: string[], what: string): Promise<number> {
  const started = Date.now();
  console.log(`ensure-browser: ${what}…`);
  const progress = setInterval(() => console.log(`ensure-browser: ${what}… ${Math.round((Date.now() - started) / 1000)} s`), 15_000);
  return new Promise((resolve) => {
    const child = spawn('apt-get', ['-qq', '-o', 'DPkg::Lock::Timeout=300', ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => {
      clearInterval(progress);
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<void> {
  const facts = systemFacts();
  const lookup = lookUpChromium(facts);
  if (lookup.kind === 'found') {
    console.log(`ensure-browser: Chromium at ${lookup.path}`);
    return;
  }
  if (lookup.kind === 'missing') {
    console.error(lookup.line);
    process.exit(1);
  }
  const started = Date.now();
  console.log("ensure-browser: no Chromium found; installing Debian's chromium package with apt-get (once, a minute or two)");
  if ((await aptGet(['update'], 'apt-get update')) !== 0 || (await aptGet(['install', '-y', 'chromium'], 'apt-get install chromium')) !== 0) {
    console.error('browser tests: installing chromium with apt-get failed (see above); install it with: apt-get update && apt-get install -y chromium');
    process.exit(1);
  }
  const after = lookUpChromium(facts);
  if (after.kind !== 'found') {
    console.error('browser tests: apt-get installed chromium but no Chromium executable was found afterwards; set CHROMIUM_PATH to it');
    process.exit(1);
  }
  console.log(`ensure-browser: installed Chromium at ${after.path} in ${Math.round((Date.now() - started) / 1000)} s`);
}

void main();
