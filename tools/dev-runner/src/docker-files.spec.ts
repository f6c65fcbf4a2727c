// No Docker engine runs here, so the container files are checked statically against the repository.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { systemManifest } from '@stockflow/system-launcher';

const root = resolve(process.cwd(), '../..');
const dockerfile = readFileSync(resolve(root, 'docker/Dockerfile'), 'utf8');
const compose = parse(readFileSync(resolve(root, 'docker/compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    { build?: { context: string; dockerfile: string; args?: { APP?: string; APP_DIR?: string } }; environment?: Record<string, string>; ports?: string[]; restart?: string; volumes?: string[]; healthcheck?: { test: string[] } }
  >;
  volumes?: Record<string, unknown>;
};

/** Dockerfile instructions with line continuations joined. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

describe('docker/Dockerfile', () => {
  it('copies only paths that exist in the repository', () => {
    const copies = instructions(dockerfile).filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const parts = copy.split(/\s+/).slice(1);
      for (const source of parts.slice(0, -1)) expect({ source, exists: existsSync(resolve(root, source)) }).toEqual({ source, exists: true });
    }
  });

  it('builds the app it is asked for and runs its dist/main.js as a non-root user', () => {
    const lines = instructions(dockerfile);
    expect(lines.some((l) => l.includes('nx run "${APP}:build"'))).toBe(true);
    expect(lines).toContain('USER node');
    expect(lines.some((l) => l.startsWith('CMD') && l.includes('${APP_DIR}/${APP}/dist/main.js'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('FROM ')).length).toBe(2);
  });
});

describe('docker/compose.yaml', () => {
  const built = Object.entries(compose.services).filter(([, s]) => s.build);

  it('builds only projects that exist and produce the entry point the image runs', () => {
    expect(built.length).toBeGreaterThan(0);
    for (const [, service] of built) {
      const app = service.build!.args!.APP!;
      const dir = service.build!.args!.APP_DIR ?? 'apps';
      expect(existsSync(resolve(root, dir, app, 'project.json'))).toBe(true);
      expect(existsSync(resolve(root, dir, app, 'src/main.ts'))).toBe(true);
      expect(resolve(root, 'docker', service.build!.context, service.build!.dockerfile)).toBe(resolve(root, 'docker/Dockerfile'));
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
});
