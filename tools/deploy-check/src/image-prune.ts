// One app's image contents, pruned from the workspace: its built JS, the built workspace libraries
// it needs, and a package.json and package-lock.json naming only its production dependencies, at
// the versions the workspace's package-lock.json holds. `npm ci --omit=dev` there, then
// `node dist/main.js`, runs the app with nothing else of the workspace. docker/Dockerfile builds
// every image this way (`nx run <app>:prune`); docker/README.md says why this is not
// @nx/js:prune-lockfile and @nx/js:copy-workspace-modules.
//
// Layout of the output:
//   package.json, package-lock.json
//   dist/                                the app's build, without its test code
//   workspace_modules/@stockflow/<lib>/  each library's package.json and build, installed by npm as a
//                                        `file:` dependency (a link in node_modules)
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';

type Ranges = Record<string, string>;

/** A package.json, as far as pruning reads it. */
interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  description?: string;
  license?: string;
  type?: string;
  main?: string;
  types?: string;
  exports?: unknown;
  engines?: Ranges;
  overrides?: unknown;
  dependencies?: Ranges;
  optionalDependencies?: Ranges;
  peerDependencies?: Ranges;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** An entry of package-lock.json's `packages`. */
interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  dependencies?: Ranges;
  optionalDependencies?: Ranges;
  peerDependencies?: Ranges;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

export interface PruneOptions {
  /** The workspace root (holds package.json and package-lock.json). */
  readonly workspaceRoot: string;
  /** The app's directory relative to the workspace root, e.g. `apps/inventory`; its `dist/` must be built. */
  readonly projectRoot: string;
  /** Where the output goes: emptied first (refused when it holds anything but an earlier output for the same app). */
  readonly outputDirectory: string;
}

export interface PrunedImage {
  readonly app: string;
  readonly outputDirectory: string;
  /** Workspace libraries copied to workspace_modules/, by package name, sorted. */
  readonly workspaceLibraries: readonly string[];
  /** Registry packages in the pruned lockfile. */
  readonly packages: number;
  /** Of those, installed only where their platform matches or when they can be (optional dependencies). */
  readonly optionalPackages: number;
  /** What the image runs, relative to the output. */
  readonly entry: string;
}

const WORKSPACE_MODULES = 'workspace_modules';
/** Folders of a build that are not the app's or library's runtime code: test helpers and build-time scripts. */
const LEFT_OUT_FOLDERS = new Set(['testing', 'bin']);
/** Lockfile flags recomputed for the pruned tree. */
const DEPENDENCY_FLAGS = ['dev', 'optional', 'devOptional', 'peer'];

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const writeJson = (path: string, value: unknown): void => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

/** Where a lockfile location's packages resolve from: `node_modules/a/node_modules/b` → `node_modules/a`, `node_modules/a` → the root. */
function parentLocation(location: string): string | null {
  if (location === '') return null;
  const nested = location.lastIndexOf('/node_modules/');
  return nested >= 0 ? location.slice(0, nested) : '';
}

/** The edges a package follows to its own dependencies: regular, optional, and peers that are not optional. */
function edgesOf(entry: Pick<Manifest, 'dependencies' | 'optionalDependencies' | 'peerDependencies' | 'peerDependenciesMeta'>): { name: string; optional: boolean }[] {
  const edges = [
    ...Object.keys(entry.dependencies ?? {}).map((name) => ({ name, optional: false })),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
  ];
  for (const name of Object.keys(entry.peerDependencies ?? {})) {
    // npm installs required peers by itself; an optional peer is installed only when something else needs it.
    if (!entry.peerDependenciesMeta?.[name]?.optional) edges.push({ name, optional: false });
  }
  return edges;
}

/** The removal of a workspace library's test-only exports (`./testing`), which the output leaves out. */
function runtimeExports(exports: unknown): unknown {
  if (exports === null || typeof exports !== 'object') return exports;
  const kept = Object.entries(exports as Record<string, unknown>).filter(([subpath, target]) => {
    const targets = JSON.stringify(target);
    return ![...LEFT_OUT_FOLDERS].some((folder) => targets.includes(`./dist/${folder}/`) || subpath === `./${folder}`);
  });
  return Object.fromEntries(kept);
}

/** Copies a build, without spec files and the test-helper and build-script folders at its top. */
function copyBuild(from: string, to: string): void {
  if (!existsSync(from)) throw new Error(`${from} does not exist: build the project first`);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory() && LEFT_OUT_FOLDERS.has(entry.name)) continue;
    cpSync(join(from, entry.name), join(to, entry.name), { recursive: true, filter: (source) => !/\.spec\.[cm]?js(\.map)?$/.test(source) });
  }
}

/** Writes the pruned image contents of one app; returns what it wrote. */
export function pruneImage(options: PruneOptions): PrunedImage {
  const root = resolve(options.workspaceRoot);
  const projectRoot = options.projectRoot.replace(/\/+$/, '');
  const out = resolve(options.outputDirectory);
  const rootManifest = readJson<Manifest>(join(root, 'package.json'));
  const lock = readJson<Lockfile>(join(root, 'package-lock.json'));
  const app = readJson<Manifest>(join(root, projectRoot, 'package.json'));
  if (rootManifest.overrides) throw new Error('package.json has "overrides": a pruned lockfile would need them too, which this tool does not carry over');
  if (lock.lockfileVersion < 2 || !lock.packages) throw new Error('package-lock.json has no "packages" (lockfileVersion 2 or 3 needed)');
  const packages = lock.packages;

  // The workspace's packages: the root node_modules links npm made for them.
  const workspaceDirs = new Map<string, string>();
  for (const [location, entry] of Object.entries(packages)) {
    if (entry.link && location.startsWith('node_modules/') && entry.resolved && !entry.resolved.startsWith('..')) workspaceDirs.set(location.slice('node_modules/'.length), entry.resolved);
  }
  if (workspaceDirs.get(app.name) !== projectRoot) throw new Error(`package-lock.json has no workspace ${app.name} at ${projectRoot}: run npm install`);

  // A workspace package's dependencies come from its package.json, which must match the lockfile's.
  const manifestOf = new Map<string, Manifest>();
  const workspaceManifest = (dir: string): Manifest => {
    let manifest = manifestOf.get(dir);
    if (!manifest) {
      manifest = readJson<Manifest>(join(root, dir, 'package.json'));
      const locked = packages[dir];
      for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies'] as const) {
        if (JSON.stringify(sortKeys(manifest[field] ?? {})) !== JSON.stringify(sortKeys(locked?.[field] ?? {}))) {
          throw new Error(`package-lock.json is out of date with ${dir}/package.json (${field}): run npm install`);
        }
      }
      manifestOf.set(dir, manifest);
    }
    return manifest;
  };
  const isWorkspaceDir = (location: string): boolean => [...workspaceDirs.values()].includes(location);

  /** The lockfile location a package's dependency `name` resolves to, as node and npm resolve it (nearest node_modules up). */
  const resolveFrom = (location: string, name: string): string | undefined => {
    for (let base: string | null = location; base !== null; base = parentLocation(base)) {
      const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
      if (packages[candidate]) return candidate;
    }
    return undefined;
  };

  /** Every location reachable from the app, through optional edges too or not. */
  const reachable = (followOptional: boolean): Set<string> => {
    const seen = new Set<string>([projectRoot]);
    const stack = [projectRoot];
    while (stack.length > 0) {
      const location = stack.pop()!;
      const entry = isWorkspaceDir(location) ? workspaceManifest(location) : packages[location]!;
      for (const edge of edgesOf(entry)) {
        if (edge.optional && !followOptional) continue;
        let target = resolveFrom(location, edge.name);
        if (target === undefined) {
          if (edge.optional) continue;
          throw new Error(`${location || 'the root'} needs ${edge.name}, which package-lock.json does not hold`);
        }
        if (packages[target]!.link) {
          seen.add(target);
          target = packages[target]!.resolved!;
          if (!isWorkspaceDir(target)) throw new Error(`${edge.name} links to ${target}, which is not a workspace package`);
        }
        if (target === projectRoot) throw new Error(`${edge.name} depends on the app ${app.name} itself`);
        if (!seen.has(target)) {
          seen.add(target);
          stack.push(target);
        }
      }
    }
    return seen;
  };
  const required = reachable(false);
  const everything = reachable(true);

  // Where each reached location goes in the output.
  const libraries = new Map<string, string>(); // name → workspace dir
  for (const location of everything) {
    if (location !== projectRoot && isWorkspaceDir(location)) libraries.set(workspaceManifest(location).name, location);
  }
  const libraryPath = (name: string): string => `${WORKSPACE_MODULES}/${name}`;
  const outputLocation = (location: string): string => {
    if (location.startsWith(`${projectRoot}/node_modules/`)) {
      throw new Error(`${location}: a dependency nested under the app is not supported (the app becomes the output's root)`);
    }
    for (const [name, dir] of libraries) if (location === dir || location.startsWith(`${dir}/`)) return libraryPath(name) + location.slice(dir.length);
    return location;
  };

  // The manifests the output holds: workspace libraries become `file:` dependencies on their copies.
  const rewrite = (ranges: Ranges | undefined, from: string): Ranges | undefined => {
    if (!ranges) return undefined;
    return Object.fromEntries(
      Object.entries(ranges).map(([name, range]) => {
        const dir = workspaceDirs.get(name);
        if (dir === undefined) return [name, range];
        if (!libraries.has(name)) throw new Error(`${name} is a workspace package the app does not reach`);
        return [name, `file:${posix.relative(from, libraryPath(name)) || '.'}`];
      }),
    );
  };
  const manifestFields = (manifest: Manifest, at: string): Manifest =>
    dropUndefined({
      name: manifest.name,
      version: manifest.version,
      private: manifest.private,
      description: manifest.description,
      license: manifest.license,
      type: manifest.type,
      main: manifest.main,
      types: manifest.types,
      exports: runtimeExports(manifest.exports),
      engines: manifest.engines,
      dependencies: rewrite(manifest.dependencies, at),
      optionalDependencies: rewrite(manifest.optionalDependencies, at),
      peerDependencies: rewrite(manifest.peerDependencies, at),
      peerDependenciesMeta: manifest.peerDependenciesMeta,
    });
  const lockFields = (manifest: Manifest): LockEntry =>
    dropUndefined({
      name: manifest.name,
      version: manifest.version,
      license: manifest.license,
      dependencies: manifest.dependencies,
      optionalDependencies: manifest.optionalDependencies,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
      engines: manifest.engines,
    });

  const appManifest = manifestFields({ ...app, engines: app.engines ?? rootManifest.engines }, '');
  const prunedPackages: Record<string, LockEntry> = { '': lockFields(appManifest) };
  const libraryManifests = new Map<string, Manifest>();
  for (const [name, dir] of libraries) {
    const manifest = manifestFields(workspaceManifest(dir), libraryPath(name));
    libraryManifests.set(name, manifest);
    prunedPackages[libraryPath(name)] = lockFields(manifest);
  }
  const libraryAt = new Map([...libraries].map(([name, dir]) => [dir, name]));
  let registryPackages = 0;
  let optionalPackages = 0;
  for (const location of [...everything].sort()) {
    if (location === projectRoot || isWorkspaceDir(location)) continue;
    const entry = packages[location]!;
    if (entry.link) {
      prunedPackages[outputLocation(location)] = { resolved: libraryPath(libraryAt.get(entry.resolved!)!), link: true };
      continue;
    }
    const pruned: LockEntry = Object.fromEntries(Object.entries(entry).filter(([field]) => !DEPENDENCY_FLAGS.includes(field)));
    if (!required.has(location)) {
      pruned.optional = true;
      optionalPackages++;
    }
    registryPackages++;
    prunedPackages[outputLocation(location)] = pruned;
  }
  const prunedLock: Lockfile = { name: app.name, version: app.version, lockfileVersion: 3, requires: true, packages: sortKeys(prunedPackages, (a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))) };

  // Write: an empty output, or the previous output for the same app, is replaced.
  if (existsSync(out) && readdirSync(out).length > 0) {
    const previous = existsSync(join(out, 'package-lock.json')) ? readJson<Partial<Lockfile>>(join(out, 'package-lock.json')) : {};
    if (previous.name !== app.name) throw new Error(`${out} is not empty and holds no earlier output for ${app.name}: refusing to empty it`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  copyBuild(join(root, projectRoot, 'dist'), join(out, 'dist'));
  for (const [name, dir] of libraries) {
    const target = join(out, libraryPath(name));
    mkdirSync(target, { recursive: true });
    copyBuild(join(root, dir, 'dist'), join(target, 'dist'));
    writeJson(join(target, 'package.json'), libraryManifests.get(name));
  }
  writeJson(join(out, 'package.json'), appManifest);
  writeJson(join(out, 'package-lock.json'), prunedLock);

  const entry = (app.main ?? './dist/main.js').replace(/^\.\//, '');
  if (!existsSync(join(out, entry))) throw new Error(`${projectRoot}: ${entry} is missing from the output: build the app first`);
  return { app: app.name, outputDirectory: out, workspaceLibraries: [...libraries.keys()].sort(), packages: registryPackages, optionalPackages, entry };
}

function sortKeys<T>(record: Record<string, T>, compare: (a: string, b: string) => number = (a, b) => a.localeCompare(b)): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
