import { describe, expect, it } from '@jest/globals';
import { SERVICES, systemManifest } from './system-manifest.js';

describe('systemManifest', () => {
  const settings = { databaseUrl: 'postgres://db', natsUrl: 'nats://nats' };

  it('gives every process its own port and every service a relay on its schema', () => {
    const specs = systemManifest(settings);
    const ports = specs.map((s) => s.port);
    expect(new Set(ports).size).toBe(ports.length);
    for (const service of SERVICES) {
      const relay = specs.find((s) => s.name === `relay-${service.name}`)!;
      const app = specs.find((s) => s.name === service.name)!;
      expect(relay.env.RELAY_CONTEXT).toBe(service.name);
      expect(relay.env.DB_SCHEMA).toBe(app.env.DB_SCHEMA);
      expect(app.port).toBe(service.port);
    }
  });

  it('isolates a test run: schema prefix, subject namespace and shifted ports everywhere', () => {
    const specs = systemManifest({ ...settings, namespace: 'sabc', schemaPrefix: 'sabc', portOffset: 20000 });
    for (const spec of specs) {
      expect(spec.port).toBeGreaterThanOrEqual(20000);
      expect(spec.env.PORT).toBe(String(spec.port));
      expect(spec.env.NATS_NAMESPACE).toBe('sabc');
      if (spec.env.DB_SCHEMA) expect(spec.env.DB_SCHEMA).toMatch(/^sabc_/);
      for (const value of Object.values(spec.env)) {
        // No URL may point at a default (development) port while the run is shifted.
        for (const [, port] of value.matchAll(/127\.0\.0\.1:(\d+)/g)) expect(Number(port)).toBeGreaterThanOrEqual(20000);
      }
    }
  });
});
