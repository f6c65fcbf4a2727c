import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { freePortOffset, MANIFEST_PORTS } from './port-offset.js';
import { eventStoreUrlOf, relayPlacementOf, REPLICA_PORT_STEP, SERVICES, systemManifest } from './system-manifest.js';

describe('systemManifest', () => {
  const settings = { databaseUrl: 'postgres://db', natsUrl: 'nats://nats' };

  it('runs each context\'s relay in its service by default, with no relay process', () => {
    const specs = systemManifest(settings);
    expect(specs.filter((s) => s.name.startsWith('relay-'))).toEqual([]);
    for (const service of SERVICES) expect(specs.find((s) => s.name === service.name)!.env.RELAY_IN_PROCESS).toBeUndefined();
  });

  it('gives every process its own port and, standalone, every service a relay on its schema while the service relays nothing', () => {
    const specs = systemManifest({ ...settings, relays: 'standalone' });
    const ports = specs.map((s) => s.port);
    expect(new Set(ports).size).toBe(ports.length);
    for (const service of SERVICES) {
      const relay = specs.find((s) => s.name === `relay-${service.name}`)!;
      const app = specs.find((s) => s.name === service.name)!;
      expect(relay.env.RELAY_CONTEXT).toBe(service.name);
      expect(relay.env.DB_SCHEMA).toBe(app.env.DB_SCHEMA);
      expect(app.env.RELAY_IN_PROCESS).toBe('false');
      expect(app.port).toBe(service.port);
    }
  });

  it('runs a second replica of every service, worker and read-side process on its own port, sharing its schema', () => {
    const one = systemManifest(settings);
    const two = systemManifest({ ...settings, replicas: 2 });
    const seconds = two.filter((s) => s.name.endsWith('-2'));
    expect(seconds.map((s) => s.name).sort()).toEqual(['carts-2', 'inventory-2', 'notifications-2', 'notifier-2', 'orders-2', 'projections-2']);
    for (const second of seconds) {
      const first = one.find((s) => s.name === second.name.slice(0, -2))!;
      expect(second.port).toBe(first.port + REPLICA_PORT_STEP);
      expect(second.env.PORT).toBe(String(second.port));
      expect(second.env.DB_SCHEMA).toBe(first.env.DB_SCHEMA);
    }
    const ports = two.map((s) => s.port);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('reads the placement from STOCKFLOW_RELAYS and refuses anything else', () => {
    expect(relayPlacementOf({})).toBe('in-process');
    expect(relayPlacementOf({ STOCKFLOW_RELAYS: 'standalone' })).toBe('standalone');
    expect(() => relayPlacementOf({ STOCKFLOW_RELAYS: 'both' })).toThrow(/in-process.*standalone/);
  });

  it('runs every process in development mode (the development secrets and sinks), unless told otherwise', () => {
    for (const spec of systemManifest(settings)) expect({ name: spec.name, mode: spec.env.STOCKFLOW_ENV }).toEqual({ name: spec.name, mode: 'development' });
    for (const spec of systemManifest({ ...settings, stockflowEnv: 'production' })) expect(spec.env.STOCKFLOW_ENV).toBe('production');
  });

  it('isolates a test run: schema prefix, subject namespace and shifted ports everywhere', () => {
    const specs = systemManifest({ ...settings, namespace: 'sabc', schemaPrefix: 'sabc', portOffset: 20000, relays: 'standalone' });
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

describe('systemManifest on EventStoreDB (ADR 0046)', () => {
  it('puts the logs of orders, inventory and carts (services and relays) on EVENTSTORE_URL, and keeps notifications on PostgreSQL', () => {
    const url = 'esdb://127.0.0.1:2113?tls=false';
    const settings = { databaseUrl: 'postgres://db', natsUrl: 'nats://nats' };
    const specs = systemManifest({ ...settings, relays: 'standalone', eventStoreUrl: url });
    const onEsdb = specs.filter((s) => s.env.EVENTSTORE_URL === url).map((s) => s.name).sort();
    expect(onEsdb).toEqual(['carts', 'inventory', 'orders', 'relay-carts', 'relay-inventory', 'relay-orders']);
    expect(eventStoreUrlOf({ EVENTSTORE_URL: url })).toBe(url);
    expect(eventStoreUrlOf({})).toBeUndefined();
    expect(systemManifest({ ...settings }).some((s) => 'EVENTSTORE_URL' in s.env)).toBe(false);
  });
});

describe('freePortOffset', () => {
  it('lists every port the manifest listens on, and skips offsets where one of them is taken', async () => {
    const specs = systemManifest({ databaseUrl: 'postgres://db', natsUrl: 'nats://nats', relays: 'standalone', replicas: 2 });
    const listened = [...specs.map((s) => s.port), ...specs.flatMap((s) => (s.env.SMTP_PORT && s.name === 'mail-sink' ? [Number(s.env.SMTP_PORT)] : []))];
    expect([...MANIFEST_PORTS].sort()).toEqual([...new Set(listened)].sort());

    // Hold one port of the only two offsets allowed: the other one must be chosen, every time.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(MANIFEST_PORTS[0]! + 10_000, '127.0.0.1', resolve));
    try {
      for (let i = 0; i < 5; i++) expect(await freePortOffset({ min: 10_000, max: 10_100 })).toBe(10_100);
      await expect(freePortOffset({ min: 10_000, max: 10_000, attempts: 3 })).rejects.toThrow(/no port offset/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
