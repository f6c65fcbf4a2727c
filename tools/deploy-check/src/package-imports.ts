// What each workspace package's production source imports, against what its package.json declares:
// an image installs only the packages the app's and its libraries' package.json files name
// (docker/README.md), so an import that is not declared there works in the workspace (npm hoists
// everything into one node_modules) and fails in the image.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** The parts of a package.json this check reads. */
export interface PackageManifest {
  readonly name: string;
  readonly private?: boolean;
  readonly files?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

export function readManifest(directory: string): PackageManifest {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as PackageManifest;
}

/** The package a module specifier names (`@nestjs/common/x` → `@nestjs/common`), or null for a relative path or a Node.js built-in. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
  return builtinModules.includes(name) ? null : name;
}

/**
 * Whether a source file is test code: specs and each project's `src/testing/` folder (as
 * eslint.config.js counts them: test code may use devDependencies).
 */
export function isTestFile(relativePath: string): boolean {
  return /\.spec\.ts$/.test(relativePath) || relativePath.startsWith('src/testing/');
}

/**
 * Whether a file of `src/` is left out of the package: a `src/<dir>/` whose `dist/<dir>/**` the
 * package's `files` field excludes (`!dist/bin/**` in @stockflow/contracts: its build-time scripts).
 */
export function isUnpublished(relativePath: string, manifest: PackageManifest): boolean {
  const folder = /^src\/([^/]+)\//.exec(relativePath)?.[1];
  return folder !== undefined && (manifest.files ?? []).includes(`!dist/${folder}/**`);
}

function sourceFiles(directory: string, base = directory): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path, base));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(relative(base, path));
  }
  return files;
}

/** Every module specifier a file imports, exports from, requires or imports dynamically (type-only imports too). */
export function moduleSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** One import of production source, by package. */
export interface PackageImport {
  /** Relative to the project, e.g. `src/main.ts`. */
  readonly file: string;
  readonly specifier: string;
  readonly packageName: string;
}

/** The bare imports of a project's production source (`src/`, without its test code and unpublished folders). */
export function productionImports(projectDirectory: string): PackageImport[] {
  const manifest = readManifest(projectDirectory);
  const src = join(projectDirectory, 'src');
  if (!existsSync(src)) return [];
  const imports: PackageImport[] = [];
  for (const file of sourceFiles(src, projectDirectory).sort()) {
    if (isTestFile(file) || isUnpublished(file, manifest)) continue;
    for (const specifier of moduleSpecifiers(readFileSync(join(projectDirectory, file), 'utf8'))) {
      const packageName = packageOf(specifier);
      if (packageName !== null) imports.push({ file, specifier, packageName });
    }
  }
  return imports;
}

/**
 * What is wrong with a project's package.json, in words: a package its production source imports
 * that its `dependencies` do not name (its own name aside), and a dependency whose range differs
 * from the root package.json's for the same package (a published package, one without
 * `"private": true`, keeps the ranges it offers its users).
 */
export function manifestProblems(projectDirectory: string, rootManifest: PackageManifest, project = relative(join(projectDirectory, '../..'), projectDirectory)): string[] {
  const manifest = readManifest(projectDirectory);
  const dependencies = { ...manifest.dependencies, ...manifest.optionalDependencies };
  const problems: string[] = [];
  const missing = new Map<string, string[]>();
  for (const { file, packageName } of productionImports(projectDirectory)) {
    if (packageName === manifest.name || packageName in dependencies) continue;
    missing.set(packageName, [...(missing.get(packageName) ?? []), file]);
  }
  for (const [packageName, files] of missing) {
    const where = manifest.devDependencies?.[packageName] ? ' (only in its devDependencies)' : '';
    const importers = files.length > 1 ? `${files[0]} and ${files.length - 1} more import` : `${files[0]} imports`;
    problems.push(`${project}: ${importers} ${packageName}, which its package.json dependencies do not declare${where}`);
  }
  if (manifest.private) {
    const rootRanges = { ...rootManifest.devDependencies, ...rootManifest.dependencies };
    for (const [packageName, range] of Object.entries(dependencies)) {
      const rootRange = rootRanges[packageName];
      if (rootRange !== undefined && range !== rootRange) problems.push(`${project}: depends on ${packageName}@${range}; the root package.json says ${rootRange}`);
    }
  }
  return problems;
}

/** Production imports of a workspace library's `./testing` entry point (test code only, and not in the images). */
export function testingEntryImports(projectDirectory: string): PackageImport[] {
  return productionImports(projectDirectory).filter((i) => i.packageName.startsWith('@stockflow/') && /^@stockflow\/[^/]+\/testing(\/|$)/.test(i.specifier));
}
