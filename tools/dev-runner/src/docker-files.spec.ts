// No Docker engine runs here, so the container files are checked statically against the repository
// (and the image's health check command is run against a stand-in server). That the pruned output
// each image installs really installs and starts: tools/deploy-check/src/image-install.spec.ts.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { systemManifest } from '@stockflow/system-launcher';

const root = resolve(process.cwd(), '../..');
const dockerfile = readFileSync(resolve(root, 'docker/Dockerfile'), 'utf8');
const compose = parse(readFileSync(resolve(root, 'docker/compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      build?: { context: string; dockerfile: string; args?: { APP?: string; DEFAULT_PORT?: string } };
      environment?: Record<string, string>;
      ports?: string[];
      restart?: string;
      volumes?: string[];
      healthcheck?: { test: string[] };
    }
  >;
  volumes?: Record<string, unknown>;
};
const nxJson = JSON.parse(readFileSync(resolve(root, 'nx.json'), 'utf8')) as {
  namedInputs: Record<string, string[]>;
  targetDefaults: Record<string, { inputs?: string[]; outputs?: string[]; options?: { command?: string } }>;
};

/** Dockerfile instructions with line continuations joined. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

interface Stage {
  readonly name: string;
  readonly from: string;
  readonly lines: readonly string[];
}

/** The build stages, in order, with their instructions (FROM aside). */
function stages(lines: readonly string[]): Stage[] {
  const found: { name: string; from: string; lines: string[] }[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) found.push({ from: from[1]!, name: from[2] ?? String(found.length), lines: [] });
    else found.at(-1)?.lines.push(line);
  }
  return found;
}

/** `ENV A=1 B=${X}` → { A: '1', B: '${X}' } (the forms this Dockerfile uses: unquoted key=value pairs). */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of stage.lines.filter((l) => l.startsWith('ENV '))) {
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const [key, ...value] = pair.split('=');
      env[key!] = value.join('=');
    }
  }
  return env;
}

/** Where a compose service's APP lives: a project directory with a project.json (apps for services and workers, tools for the development sinks). */
function projectDirOf(app: string): string | undefined {
  return ['apps', 'tools'].map((dir) => `${dir}/${app}`).find((dir) => existsSync(resolve(root, dir, 'project.json')));
}

const lines = instructions(dockerfile);
const [build, install, runtime] = stages(lines);
const defaultNodeVersion = /^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1];

describe('docker/Dockerfile', () => {
  it('copies only paths that exist in the repository', () => {
    const copies = lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const parts = copy.split(/\s+/).slice(1);
      for (const source of parts.slice(0, -1)) expect({ source, exists: existsSync(resolve(root, source)) }).toEqual({ source, exists: true });
    }
  });

  it('builds in three stages on a slim image of the current Node.js LTS line', () => {
    expect(stages(lines).map((s) => s.name)).toEqual(['build', 'install', 'runtime']);
    for (const stage of [build!, install!, runtime!]) expect(stage.from).toBe('node:${NODE_VERSION}-trixie-slim');
    // Node.js 26: Active LTS since October 2026 (docker/README.md); an even major, as every LTS line up to 26.
    expect(Number(defaultNodeVersion)).toBeGreaterThanOrEqual(26);
    expect(Number(defaultNodeVersion) % 2).toBe(0);
    const engines = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(Number(/^>=(\d+)/.exec(engines)?.[1])).toBeLessThanOrEqual(Number(defaultNodeVersion));
  });

  it('builds the pruned output of the app it is asked for (nx run <app>:prune), and nothing of the workspace reaches the runtime stage but that', () => {
    expect(build!.lines).toContain('RUN npx nx run "${APP}:prune" --outputStyle=static');
    expect(nxJson.targetDefaults['prune']?.outputs).toEqual(['{workspaceRoot}/dist/images/{projectName}']);
    // The install stage gets the pruned output alone and installs its production dependencies from its own lockfile.
    expect(install!.lines.filter((l) => /^(COPY|ADD) /.test(l))).toEqual(['COPY --from=build /src/dist/images/${APP}/ ./']);
    expect(install!.lines).toContain('RUN npm ci --omit=dev --no-audit --no-fund');
    // The runtime stage: that install, nothing else.
    expect(runtime!.lines.filter((l) => /^(COPY|ADD) /.test(l))).toEqual(['COPY --from=install /app/ ./']);
    expect(runtime!.lines.some((l) => /^RUN /.test(l))).toBe(false);
  });

  it('runs the pruned output\u2019s dist/main.js as the non-root user node', () => {
    const user = runtime!.lines.indexOf('USER node');
    expect(user).toBeGreaterThanOrEqual(0);
    expect(runtime!.lines.filter((l) => l.startsWith('USER '))).toEqual(['USER node']);
    const cmd = runtime!.lines.findIndex((l) => l.startsWith('CMD '));
    expect(runtime!.lines[cmd]).toBe('CMD ["node", "dist/main.js"]');
    expect(cmd).toBeGreaterThan(user);
    expect(runtime!.lines.findIndex((l) => l.startsWith('HEALTHCHECK '))).toBeGreaterThan(user);
  });

  it('bakes the app\u2019s port in as PORT, so that the health check needs no PORT from the container, and requires it at build time', () => {
    expect(build!.lines.some((l) => l.startsWith('RUN test -n "$DEFAULT_PORT"'))).toBe(true);
    expect(envOf(runtime!)).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '${DEFAULT_PORT}', DEFAULT_PORT: '${DEFAULT_PORT}' });
  });

  describe('its health check, run as the image would run it', () => {
    const healthcheck = runtime!.lines.find((l) => l.startsWith('HEALTHCHECK '))!;
    const command = JSON.parse(/\bCMD\s+(\[.*\])$/.exec(healthcheck)![1]!) as string[];

    /** Runs the HEALTHCHECK command with the image's environment (DEFAULT_PORT given) over `env`; its exit code. */
    async function check(defaultPort: number, env: Record<string, string> = {}): Promise<number | null> {
      const imageEnv = Object.fromEntries(Object.entries(envOf(runtime!)).map(([k, v]) => [k, v.replace('${DEFAULT_PORT}', String(defaultPort))]));
      const child = spawn(process.execPath, command.slice(1), { env: { PATH: process.env['PATH'] ?? '', ...imageEnv, ...env }, stdio: 'ignore' });
      return new Promise((done) => child.once('exit', (code) => done(code)));
    }

    async function standIn(status: number): Promise<{ port: number; paths: string[]; close: () => Promise<void> }> {
      const paths: string[] = [];
      const server = createServer((request, response) => {
        paths.push(request.url ?? '');
        response.writeHead(status).end();
      });
      await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
      return { port: (server.address() as AddressInfo).port, paths, close: () => new Promise((closed) => server.close(() => closed())) };
    }

    it('is node GET /health/live on 127.0.0.1', () => {
      expect(command[0]).toBe('node');
      expect(healthcheck).toContain('/health/live');
    });

    it('passes on the baked-in port when the container sets no PORT, and when it sets PORT empty', async () => {
      const server = await standIn(200);
      try {
        expect(await check(server.port)).toBe(0);
        expect(await check(server.port, { PORT: '' })).toBe(0);
        expect(server.paths).toEqual(['/health/live', '/health/live']);
      } finally {
        await server.close();
      }
    });

    it('follows a PORT the container sets, and fails when the app answers no 2xx or does not answer', async () => {
      const [healthy, unhealthy] = [await standIn(200), await standIn(503)];
      try {
        expect(await check(unhealthy.port, { PORT: String(healthy.port) })).toBe(0);
        expect(await check(unhealthy.port)).toBe(1);
        await healthy.close();
        expect(await check(unhealthy.port, { PORT: String(healthy.port) })).toBe(1);
      } finally {
        await unhealthy.close();
      }
    });
  });

  it('is an input of every image project\u2019s prune target, so that `nx affected` selects those projects when it changes', () => {
    expect(nxJson.namedInputs['docker']).toEqual(expect.arrayContaining(['{workspaceRoot}/docker/Dockerfile', '{workspaceRoot}/docker/compose.yaml']));
    expect(nxJson.targetDefaults['prune']?.inputs).toContain('docker');
    for (const [name, service] of Object.entries(compose.services).filter(([, s]) => s.build)) {
      const dir = projectDirOf(service.build!.args!.APP!)!;
      const project = JSON.parse(readFileSync(resolve(root, dir, 'project.json'), 'utf8')) as { targets: Record<string, unknown> };
      expect({ name, prune: 'prune' in project.targets }).toEqual({ name, prune: true });
    }
  });
});

describe('docker/compose.yaml', () => {
  const built = Object.entries(compose.services).filter(([, s]) => s.build);

  it('builds only projects that exist and produce the entry point the image runs', () => {
    expect(built.length).toBeGreaterThan(0);
    for (const [name, service] of built) {
      const app = service.build!.args!.APP!;
      const dir = projectDirOf(app);
      expect({ name, project: dir !== undefined }).toEqual({ name, project: true });
      expect(existsSync(resolve(root, dir!, 'src/main.ts'))).toBe(true);
      const main = (JSON.parse(readFileSync(resolve(root, dir!, 'package.json'), 'utf8')) as { main?: string }).main ?? './dist/main.js';
      expect({ name, main }).toEqual({ name, main: './dist/main.js' });
      expect(resolve(root, 'docker', service.build!.context, service.build!.dockerfile)).toBe(resolve(root, 'docker/Dockerfile'));
    }
  });

  it('gives each image the port its service listens on as DEFAULT_PORT (what the health check probes)', () => {
    for (const [name, service] of built) {
      expect({ name, DEFAULT_PORT: service.build!.args!.DEFAULT_PORT }).toEqual({ name, DEFAULT_PORT: service.environment?.['PORT'] });
      expect(Object.keys(service.build!.args!).sort()).toEqual(['APP', 'DEFAULT_PORT']);
    }
  });

  it('starts the services the way the image lets them: NODE_ENV=production (the image\u2019s) needs REDIS_URL', () => {
    const imageEnv = envOf(runtime!);
    for (const [name, service] of built.filter(([, s]) => projectDirOf(s.build!.args!.APP!)!.startsWith('apps/'))) {
      const env = { ...imageEnv, ...service.environment };
      expect({ name, startable: env['NODE_ENV'] !== 'production' || Boolean(env['REDIS_URL']) }).toEqual({ name, startable: true });
    }
  });

  it('runs every process that npm start runs, on the same port and with the same context settings', () => {
    // Compose runs the development stack without the identity provider (docker/README.md says why).
    const manifest = systemManifest({ databaseUrl: 'postgres://x', natsUrl: 'nats://x', authentication: false });
    for (const spec of manifest) {
      const match = built.find(([, s]) => s.environment?.PORT === spec.env.PORT);
      expect({ process: spec.name, inCompose: Boolean(match) }).toEqual({ process: spec.name, inCompose: true });
      const [, service] = match!;
      expect(service.ports).toContain(`${spec.env.PORT}:${spec.env.PORT}`);
      for (const key of ['RELAY_CONTEXT', 'DB_SCHEMA', 'STOCKFLOW_ENV'] as const) if (spec.env[key]) expect(service.environment?.[key]).toBe(spec.env[key]);
    }
  });

  it('keeps the servers\' data in volumes, waits for healthy servers, and restarts whatever dies', () => {
    expect(compose.services['postgres']!.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(compose.services['nats']!.volumes).toEqual(['nats-data:/data']);
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(['nats-data', 'postgres-data']);
    expect(compose.services['nats']!.healthcheck?.test.join(' ')).toContain('/healthz');
    for (const [name, service] of Object.entries(compose.services)) expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
  });

  it('ships no secret: the unsubscribe links\' key must come from the environment, or compose refuses to start', () => {
    const text = readFileSync(resolve(root, 'docker/compose.yaml'), 'utf8');
    for (const name of ['notifications', 'notifier']) expect(compose.services[name]!.environment?.['UNSUBSCRIBE_SECRET']).toMatch(/^\$\{UNSUBSCRIBE_SECRET:\?/);
    expect(text).not.toContain('stockflow-dev-unsubscribe-secret');
  });
});
