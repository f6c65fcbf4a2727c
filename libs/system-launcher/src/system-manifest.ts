/** One process of the system, as `npm start` and the system tests run it. */
export interface ProcessSpec {
  readonly name: string;
  /** Built entry point, relative to the workspace root. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  readonly url: string;
}

export interface SystemSettings {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** Subject namespace: isolates a test run's streams on a shared NATS server. */
  readonly namespace?: string;
  /** Prefix of every schema (`<prefix>_inventory`); none in development. */
  readonly schemaPrefix?: string;
  /** Added to every default port (tests pick a free range). */
  readonly portOffset?: number;
  readonly logLevel?: string;
  /** Extra environment per process name. */
  readonly env?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The services: each owns a schema and a context's event log, relayed by its own relay. */
export const SERVICES = [
  { name: 'orders', port: 3001, relayPort: 3201 },
  { name: 'inventory', port: 3002, relayPort: 3202 },
  { name: 'carts', port: 3003, relayPort: 3203 },
] as const;

/** Everything the system runs, in start order: relays first, then the services. */
export function systemManifest(settings: SystemSettings): ProcessSpec[] {
  const offset = settings.portOffset ?? 0;
  const schema = (context: string): string => (settings.schemaPrefix ? `${settings.schemaPrefix}_${context}` : context);
  const common: Record<string, string> = {
    DATABASE_URL: settings.databaseUrl,
    NATS_URL: settings.natsUrl,
    ...(settings.namespace ? { NATS_NAMESPACE: settings.namespace } : {}),
    ...(settings.logLevel ? { LOG_LEVEL: settings.logLevel } : {}),
  };
  const spec = (name: string, entry: string, port: number, env: Record<string, string>): ProcessSpec => ({
    name,
    entry,
    port,
    url: `http://127.0.0.1:${port}`,
    env: { ...common, ...env, PORT: String(port), ...(settings.env?.[name] ?? {}) },
  });
  const relays = SERVICES.map((s) => spec(`relay-${s.name}`, 'apps/relay/dist/main.js', s.relayPort + offset, { RELAY_CONTEXT: s.name, DB_SCHEMA: schema(s.name) }));
  const services = SERVICES.map((s) => spec(s.name, `apps/${s.name}/dist/main.js`, s.port + offset, { DB_SCHEMA: schema(s.name) }));
  return [...relays, ...services];
}
