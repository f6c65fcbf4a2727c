// Where the system tests find the programs they drive (a Chromium, an MTA), and whether they may
// install Debian's. Pure decisions on the facts given (environment, which files are executable, who we
// are), so they are unit-tested; `systemFacts()` reads those facts from this machine.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A program a test needs, and how it is found and installed. */
export interface TestTool {
  /** Names it in messages, e.g. `Chromium`. */
  readonly label: string;
  /** Which tests need it, e.g. `browser tests`. */
  readonly neededBy: string;
  /** Where Debian's package puts it. */
  readonly debianPath: string;
  /** Names it goes by on the PATH. */
  readonly namesOnPath: readonly string[];
  /** The variable that names its path instead (then the only place looked at). */
  readonly pathVariable: string;
  /** Debian's package. */
  readonly aptPackage: string;
}

export const CHROMIUM: TestTool = {
  label: 'Chromium',
  neededBy: 'browser tests',
  debianPath: '/usr/bin/chromium',
  namesOnPath: ['chromium', 'chromium-browser'],
  pathVariable: 'CHROMIUM_PATH',
  aptPackage: 'chromium',
};

/** Exim, the real MTA the e-mail tests deliver to (Debian's light daemon: TLS with GnuTLS, plaintext AUTH). */
export const EXIM: TestTool = {
  label: 'Exim',
  neededBy: 'real-MTA tests',
  debianPath: '/usr/sbin/exim4',
  namesOnPath: ['exim4', 'exim'],
  pathVariable: 'EXIM_PATH',
  aptPackage: 'exim4-daemon-light',
};

/** Prometheus's rule checker, which validates and unit-tests the alert rules under deploy/observability. */
export const PROMTOOL: TestTool = {
  label: 'promtool',
  neededBy: 'alert-rule tests',
  debianPath: '/usr/bin/promtool',
  namesOnPath: ['promtool'],
  pathVariable: 'PROMTOOL_PATH',
  aptPackage: 'prometheus',
};

/** Every program `npm test` needs beyond Node.js, PostgreSQL and NATS. */
export const TEST_TOOLS: readonly TestTool[] = [CHROMIUM, EXIM, PROMTOOL];

/** Where Debian's `chromium` package puts the browser. */
export const DEBIAN_CHROMIUM = CHROMIUM.debianPath;

export interface MachineFacts {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Effective user id (0: root). */
  readonly uid: number;
  /** A Debian-family system (`/etc/debian_version`). */
  readonly debian: boolean;
  readonly isExecutable: (path: string) => boolean;
}

export type ToolLookup =
  | { readonly kind: 'found'; readonly path: string }
  /** None found and this process may install Debian's package with apt-get. */
  | { readonly kind: 'install' }
  /** None usable: one line saying what is missing and the one command that gets it. */
  | { readonly kind: 'missing'; readonly line: string };

/** Where to look, in order. The path variable, when set, is the only place: the caller said where it is. */
export function toolCandidates(tool: TestTool, env: MachineFacts['env']): string[] {
  const explicit = env[tool.pathVariable];
  if (explicit) return [explicit];
  return [tool.debianPath, ...onPath(env, tool.namesOnPath)];
}

/** Why this process may not run apt-get, or undefined when it may (root on Debian with apt-get). */
export function aptRefusal(facts: MachineFacts): string | undefined {
  if (facts.env['STOCKFLOW_NO_APT'] === '1') return 'STOCKFLOW_NO_APT=1';
  if (!facts.debian) return 'not a Debian system';
  if (!onPath(facts.env, ['apt-get']).some(facts.isExecutable)) return 'no apt-get on PATH';
  if (facts.uid !== 0) return 'not root';
  return undefined;
}

export function lookUpTool(tool: TestTool, facts: MachineFacts): ToolLookup {
  const path = toolCandidates(tool, facts.env).find(facts.isExecutable);
  if (path) return { kind: 'found', path };
  const explicit = facts.env[tool.pathVariable];
  if (explicit) {
    return {
      kind: 'missing',
      line: `${tool.neededBy}: ${tool.pathVariable}=${explicit} is not an executable ${tool.label}; point it at one, or unset it and run: ${installCommand(tool, facts)}`,
    };
  }
  const refusal = aptRefusal(facts);
  if (refusal === undefined) return { kind: 'install' };
  const names = tool.namesOnPath.join(' and ');
  return {
    kind: 'missing',
    line: `${tool.neededBy}: no ${tool.label} (looked for ${tool.debianPath}, ${names} on PATH; not installing it: ${refusal}); get it with: ${installCommand(tool, facts)}`,
  };
}

export const chromiumCandidates = (env: MachineFacts['env']): string[] => toolCandidates(CHROMIUM, env);
export const lookUpChromium = (facts: MachineFacts): ToolLookup => lookUpTool(CHROMIUM, facts);

/** The one command that gets the tool here. */
export function installCommand(tool: TestTool, facts: Pick<MachineFacts, 'uid' | 'debian'>): string {
  if (!facts.debian) return `your system's package manager (its ${tool.aptPackage} package), then ${tool.pathVariable}=<path to it>`;
  return `${facts.uid === 0 ? '' : 'sudo '}apt-get install -y ${tool.aptPackage}`;
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
