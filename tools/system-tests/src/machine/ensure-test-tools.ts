// `nx run system-tests:ensure-test-tools` (the system tests depend on it): makes sure the programs the
// tests drive are here — a Chromium for the browser tests, Exim for the real-MTA tests. Each found:
// says where. Some missing, and this process may use apt (root on Debian): installs Debian's packages
// in one apt-get run. Otherwise: fails at once with one line per missing program naming the command
// that gets it. Nothing is downloaded from anywhere else.
import { spawn } from 'node:child_process';
import { lookUpTool, systemFacts, TEST_TOOLS, type TestTool } from './find-tool.js';

/** Runs apt-get quietly, printing a progress line every 15 s so a long install does not look hung. */
function aptGet(args: string[], what: string): Promise<number> {
  const started = Date.now();
  console.log(`ensure-test-tools: ${what}…`);
  const progress = setInterval(() => console.log(`ensure-test-tools: ${what}… ${Math.round((Date.now() - started) / 1000)} s`), 15_000);
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
  const toInstall: TestTool[] = [];
  const missing: string[] = [];
  for (const tool of TEST_TOOLS) {
    const lookup = lookUpTool(tool, facts);
    if (lookup.kind === 'found') console.log(`ensure-test-tools: ${tool.label} at ${lookup.path}`);
    else if (lookup.kind === 'install') toInstall.push(tool);
    else missing.push(lookup.line);
  }
  if (missing.length > 0) {
    for (const line of missing) console.error(line);
    process.exit(1);
  }
  if (toInstall.length === 0) return;
  const started = Date.now();
  const packages = toInstall.map((t) => t.aptPackage);
  console.log(`ensure-test-tools: installing Debian's ${packages.join(', ')} with apt-get (once, a minute or two)`);
  if ((await aptGet(['update'], 'apt-get update')) !== 0 || (await aptGet(['install', '-y', ...packages], `apt-get install ${packages.join(' ')}`)) !== 0) {
    console.error(`system tests: installing ${packages.join(', ')} with apt-get failed (see above); install with: apt-get update && apt-get install -y ${packages.join(' ')}`);
    process.exit(1);
  }
  for (const tool of toInstall) {
    const after = lookUpTool(tool, facts);
    if (after.kind !== 'found') {
      console.error(`${tool.neededBy}: apt-get installed ${tool.aptPackage} but no ${tool.label} was found afterwards; set ${tool.pathVariable} to it`);
      process.exit(1);
    }
    console.log(`ensure-test-tools: installed ${tool.label} at ${after.path}`);
  }
  console.log(`ensure-test-tools: done in ${Math.round((Date.now() - started) / 1000)} s`);
}

void main();
