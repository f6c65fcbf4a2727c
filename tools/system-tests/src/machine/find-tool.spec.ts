import { describe, expect, it } from '@jest/globals';
import { aptRefusal, chromiumCandidates, DEBIAN_CHROMIUM, EXIM, lookUpChromium, lookUpTool, type MachineFacts } from './find-tool.js';

/** A machine where exactly `executables` are executable files. */
function machine(executables: string[], overrides: Partial<MachineFacts> = {}): MachineFacts {
  const present = new Set(executables);
  return { env: { PATH: '/usr/local/bin:/usr/bin' }, uid: 0, debian: true, isExecutable: (path) => present.has(path), ...overrides };
}

describe('finding a Chromium for the browser tests', () => {
  it("looks at Debian's path first, then chromium and chromium-browser on the PATH, in PATH order", () => {
    expect(chromiumCandidates({ PATH: '/opt/bin:/usr/bin' })).toEqual([
      DEBIAN_CHROMIUM,
      '/opt/bin/chromium',
      '/usr/bin/chromium',
      '/opt/bin/chromium-browser',
      '/usr/bin/chromium-browser',
    ]);
    expect(lookUpChromium(machine(['/usr/local/bin/chromium-browser', '/usr/bin/apt-get']))).toEqual({ kind: 'found', path: '/usr/local/bin/chromium-browser' });
    expect(lookUpChromium(machine([DEBIAN_CHROMIUM, '/usr/local/bin/chromium']))).toEqual({ kind: 'found', path: DEBIAN_CHROMIUM });
  });

  it('takes CHROMIUM_PATH as the only place when it is set, and fails at once when nothing is there', () => {
    const env = { PATH: '/usr/bin', CHROMIUM_PATH: '/opt/chrome/chrome' };
    expect(chromiumCandidates(env)).toEqual(['/opt/chrome/chrome']);
    expect(lookUpChromium(machine(['/opt/chrome/chrome'], { env }))).toEqual({ kind: 'found', path: '/opt/chrome/chrome' });
    // Debian's browser is there, apt too: still no fallback and no install behind the caller's back.
    const lookup = lookUpChromium(machine([DEBIAN_CHROMIUM, '/usr/bin/apt-get'], { env: { ...env, CHROMIUM_PATH: '/nowhere/chromium' } }));
    expect(lookup.kind).toBe('missing');
    expect(lookup.kind === 'missing' && lookup.line).toBe('browser tests: CHROMIUM_PATH=/nowhere/chromium is not an executable Chromium; point it at one, or unset it and run: apt-get install -y chromium');
  });

  it('installs with apt only as root on Debian with apt-get, and not when STOCKFLOW_NO_APT=1', () => {
    const withApt = ['/usr/bin/apt-get'];
    expect(lookUpChromium(machine(withApt))).toEqual({ kind: 'install' });
    expect(aptRefusal(machine(withApt, { uid: 1000 }))).toBe('not root');
    expect(aptRefusal(machine([]))).toBe('no apt-get on PATH');
    expect(aptRefusal(machine(withApt, { debian: false }))).toBe('not a Debian system');
    expect(aptRefusal(machine(withApt, { env: { PATH: '/usr/bin', STOCKFLOW_NO_APT: '1' } }))).toBe('STOCKFLOW_NO_APT=1');
  });

  it('otherwise says in one line what is missing and the one command that gets it', () => {
    const cases: [MachineFacts, string][] = [
      [machine(['/usr/bin/apt-get'], { uid: 1000 }), 'not installing it: not root); get it with: sudo apt-get install -y chromium'],
      [machine([], { debian: false }), "not installing it: not a Debian system); get it with: your system's package manager (its chromium package), then CHROMIUM_PATH=<path to it>"],
      [machine(['/usr/bin/apt-get'], { env: { PATH: '/usr/bin', STOCKFLOW_NO_APT: '1' } }), 'not installing it: STOCKFLOW_NO_APT=1); get it with: apt-get install -y chromium'],
    ];
    for (const [facts, ending] of cases) {
      const lookup = lookUpChromium(facts);
      expect(lookup.kind).toBe('missing');
      const line = lookup.kind === 'missing' ? lookup.line : '';
      expect(line).not.toContain('\n');
      expect(line.startsWith(`browser tests: no Chromium (looked for ${DEBIAN_CHROMIUM}, chromium and chromium-browser on PATH;`)).toBe(true);
      expect(line.endsWith(ending)).toBe(true);
    }
  });

  it('finds Exim the same way, for the real-MTA tests', () => {
    expect(lookUpTool(EXIM, machine(['/usr/sbin/exim4']))).toEqual({ kind: 'found', path: '/usr/sbin/exim4' });
    expect(lookUpTool(EXIM, machine(['/usr/bin/apt-get']))).toEqual({ kind: 'install' });
    const lookup = lookUpTool(EXIM, machine(['/usr/bin/apt-get'], { uid: 1000 }));
    expect(lookup.kind === 'missing' && lookup.line).toBe(
      'real-MTA tests: no Exim (looked for /usr/sbin/exim4, exim4 and exim on PATH; not installing it: not root); get it with: sudo apt-get install -y exim4-daemon-light',
    );
  });
});
