// Where the browser tests find a Chromium, and whether they may install Debian's. Pure decisions on
// the facts given (environment, which files are executable, who we are), so they are unit-tested;
// `systemFacts()` reads those facts from this machine.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where Debian's `chromium` package puts the browser. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
/** Names a Chromium goes by on the PATH (Debian, then Ubuntu and others). */
const NAMES_ON_PATH = ['chromium', 'chromium-browser'];

export interface MachineFacts {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Effective user id (0: root). */
  readonly uid: number;
  /** A Debian-family system (`/etc/debian_version`). */
  readonly debian: boolean;
  readonly isExecutable: (path: string) => boolean;
}

export type ChromiumLookup =
  | { readonly kind: 'found'; readonly path: string }
  /** None found and this process may install Debian's `chromium` with apt-get. */
  | { readonly kind: 'install' }
  /** None usable: one line saying what is missing and the one command that gets it. */
  | { readonly kind: 'missing'; readonly line: string };

/**
 * Where to look, in order. `CHROMIUM_PATH`, when set, is the only place: the caller said where the
 * browser is, so nothing else is tried in its stead.
 */
export function chromiumCandidates(env: MachineFacts['env']): string[] {
  if (env['CHROMIUM_PATH']) return [env['CHROMIUM_PATH']];
  return [DEBIAN_CHROMIUM, ...onPath(env, NAMES_ON_PATH)];
}

/** Why this process may not run apt-get, or undefined when it may (root on Debian with apt-get). */
export function aptRefusal(facts: MachineFacts): string | undefined {
  if (facts.env['STOCKFLOW_NO_APT'] === '1') return 'STOCKFLOW_NO_APT=1';
  if (!facts.debian) return 'not a Debian system';
  if (!onPath(facts.env, ['apt-get']).some(facts.isExecutable)) return 'no apt-get on PATH';
  if (facts.uid !== 0) return 'not root';
  return undefined;
}

export function lookUpChromium(facts: MachineFacts): ChromiumLookup {
  const path = chromiumCandidates(facts.env).find(facts.isExecutable);
  if (path) return { kind: 'found', path };
  const explicit = facts.env['CHROMIUM_PATH'];
  if (explicit) {
    return { kind: 'missing', line: `browser tests: CHROMIUM_PATH=${explicit} is not an executable Chromium; point it at one, or unset it and run: ${installCommand(facts)}` };
  }
  const refusal = aptRefusal(facts);
  if (refusal === undefined) return { kind: 'install' };
  return {
    kind: 'missing',
    line: `browser tests: no Chromium (looked for ${DEBIAN_CHROMIUM}, chromium and chromium-browser on PATH; not installing it: ${refusal}); get it with: ${installCommand(facts)}`,
  };
}

/** The one command that gets a Chromium here. */
export function installCommand(facts: Pick<MachineFacts, 'uid' | 'debian'>): string {
  if (!facts.debian) return "your system's package manager (its chromium package), then CHROMIUM_PATH=<path to it>";
  return `${facts.uid === 0 ? '' : 'sudo '}apt-get install -y chromium`;
}

/** Where each name would be found on the PATH, in PATH order. */
function onPath(env: MachineFacts['env'], names: readonly string[]): string[] {
  const dirs = (env['PATH'] ?? '').split(delimiter).filter(Boolean);
  return names.flatMap((name) => dirs.map((dir) => join(dir, name)));
}

/** This machine's facts. */
export function systemFacts(env: NodeJS.ProcessEnv = process.env): MachineFacts {
  return {
    env,
    uid: process.getuid?.() ?? -1,
    debian: existsSync('/etc/debian_version'),
    isExecutable: (path) => {
      try {
        accessSync(path, constants.X_OK);
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
  };
}
