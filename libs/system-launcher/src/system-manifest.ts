import { randomBytes } from 'node:crypto';

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
  /** Every process's STOCKFLOW_ENV; `development` by default (`npm start`, the tests). */
  readonly stockflowEnv?: 'development' | 'test' | 'production';
  /** Extra environment per process name. */
  readonly env?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Runs the development identity provider first and has every process verify its tokens (ADR 0025).
   * On unless `false` (`npm start -- --no-auth`; system tests that exercise flows, not access).
   */
  readonly authentication?: boolean;
  /** The secrets of the identity provider's clients for this run; fresh random ones by default (ADR 0026). */
  readonly clientSecrets?: ClientSecrets;
  /**
   * Rate limits of every service (ADR 0028): requests per minute per client IP and per caller.
   * Unset: the services' defaults (`npm start`). Tests and benchmarks, whose whole load comes from
   * one address, pass `LOAD_TEST_RATE_LIMITS`: the limits stay on, far above that load.
   */
  readonly rateLimits?: { readonly perIp: number; readonly perIdentity: number };
  /**
   * Where each context's relay runs (ADR 0043): `in-process` (default) in its service, one replica
   * leading by a PostgreSQL lock; `standalone` in a relay process of its own per context, the
   * services started with `RELAY_IN_PROCESS=false`.
   */
  readonly relays?: RelayPlacement;
  /**
   * Instances of each service, worker and read-side process (issue 14): the second of `orders` is
   * `orders-2` on its port + REPLICA_PORT_STEP, sharing everything else. One by default.
   */
  readonly replicas?: 1 | 2;
  /** Redis for the services' rate-limit counters (`REDIS_URL`); unset: each process counts in memory (development). */
  readonly redisUrl?: string;
  /**
   * EventStoreDB for the logs of the contexts that can run on it (ADR 0046: orders, inventory,
   * carts; notifications stays on PostgreSQL), as their services' and relays' `EVENTSTORE_URL`.
   * Each context's streams carry its schema's name as prefix. Unset: every log on PostgreSQL.
   */
  readonly eventStoreUrl?: string;
}

export type RelayPlacement = 'in-process' | 'standalone';

/** The second replica of a process listens this far above the first (3001 → 3401). */
export const REPLICA_PORT_STEP = 400;

/** The names of a process's replicas: `orders`, `orders-2`. */
export function replicaNames(name: string, replicas: 1 | 2 = 1): string[] {
  return replicas === 2 ? [name, `${name}-2`] : [name];
}

/** The placement `npm start`, the tests and the benchmarks use: `STOCKFLOW_RELAYS` when set, else in-process. */
export function relayPlacementOf(env: NodeJS.ProcessEnv = process.env): RelayPlacement {
  const value = env['STOCKFLOW_RELAYS'];
  if (value === undefined || value === '') return 'in-process';
  if (value === 'in-process' || value === 'standalone') return value;
  throw new RangeError(`STOCKFLOW_RELAYS must be "in-process" or "standalone", not ${JSON.stringify(value)}`);
}

/** The EventStoreDB `npm start`, the tests and the benchmarks use: `EVENTSTORE_URL` when set, else none (ADR 0046). */
export function eventStoreUrlOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env['EVENTSTORE_URL'] || undefined;
}

/** The limits tests and benchmarks run with: on, but above what one machine sends from one address. */
export const LOAD_TEST_RATE_LIMITS = { perIp: 1_000_000, perIdentity: 1_000_000 } as const;

/** The development identity provider (ADR 0026): every other process verifies tokens it issued. */
export const IDENTITY = { name: 'identity', port: 3007, audience: 'stockflow' } as const;

/** The confidential clients of a run: the dashboard (operator) and the notifier's stock check (service). */
export interface ClientSecrets {
  readonly dashboard: string;
  readonly notifier: string;
}

/** Fresh client secrets: no secret is a default (ADR 0026). */
export function newClientSecrets(): ClientSecrets {
  return { dashboard: randomBytes(24).toString('base64url'), notifier: randomBytes(24).toString('base64url') };
}

/** The services: each owns a schema and a context's event log, relayed in its process or by a relay of its own (ADR 0043). */
export const SERVICES = [
  { name: 'orders', port: 3001, relayPort: 3201, eventStoreDb: true },
  { name: 'inventory', port: 3002, relayPort: 3202, eventStoreDb: true },
  { name: 'carts', port: 3003, relayPort: 3203, eventStoreDb: true },
  // Its decisions commit events with its own rows in one transaction (ADR 0046).
  { name: 'notifications', port: 3004, relayPort: 3204, eventStoreDb: false },
] as const;

/** Development stand-ins for outside providers: SMTP (HTTP API on `port`, SMTP on `smtpPort`) and a Twilio-shaped SMS API. */
export const SINKS = [
  { name: 'mail-sink', port: 8025, smtpPort: 1025 },
  { name: 'sms-sink', port: 8026 },
] as const;

/** Workers of a context that share its schema (ADR 0007) and have no relay of their own. */
export const WORKERS = [{ name: 'notifier', port: 3006, context: 'notifications' }] as const;

/** The read side: read models built from every context's stream, in a schema of its own (no event log, no relay). */
export const READ_SIDE = [{ name: 'projections', port: 3005 }] as const;

/** The account SIDs of the two SMS providers the notifier fails over between (both on the SMS sink). */
export const SMS_SINK_ACCOUNTS = { primary: 'ACstockflowprimary', secondary: 'ACstockflowsecondary' } as const;

/** Everything the system runs, in start order: sinks, relays, the services, their workers, then the read side. */
export function systemManifest(settings: SystemSettings): ProcessSpec[] {
  const offset = settings.portOffset ?? 0;
  const schema = (context: string): string => (settings.schemaPrefix ? `${settings.schemaPrefix}_${context}` : context);
  const issuer = `http://127.0.0.1:${IDENTITY.port + offset}`;
  const secrets = settings.clientSecrets ?? newClientSecrets();
  const authOn = settings.authentication !== false;
  const auth: Record<string, string> = authOn ? { AUTH_ISSUER: issuer, AUTH_AUDIENCE: IDENTITY.audience } : {};
  const common: Record<string, string> = {
    // `npm start` and the tests run the development stand-ins and secrets (ADR 0027).
    STOCKFLOW_ENV: settings.stockflowEnv ?? 'development',
    ...auth,
    DATABASE_URL: settings.databaseUrl,
    NATS_URL: settings.natsUrl,
    ...(settings.namespace ? { NATS_NAMESPACE: settings.namespace } : {}),
    ...(settings.logLevel ? { LOG_LEVEL: settings.logLevel } : {}),
    ...(settings.rateLimits
      ? { RATE_LIMIT_PER_IP: String(settings.rateLimits.perIp), RATE_LIMIT_PER_IDENTITY: String(settings.rateLimits.perIdentity) }
      : {}),
    ...(settings.redisUrl ? { REDIS_URL: settings.redisUrl, RATE_LIMIT_KEY_PREFIX: `stockflow:${settings.namespace ?? 'dev'}:ratelimit:` } : {}),
  };
  const spec = (name: string, entry: string, port: number, env: Record<string, string>): ProcessSpec => ({
    name,
    entry,
    port,
    url: `http://127.0.0.1:${port}`,
    env: { ...common, ...env, PORT: String(port), ...(settings.env?.[name] ?? {}) },
  });
  const standalone = (settings.relays ?? 'in-process') === 'standalone';
  const log = (service: (typeof SERVICES)[number]): Record<string, string> =>
    settings.eventStoreUrl && service.eventStoreDb ? { EVENTSTORE_URL: settings.eventStoreUrl } : {};
  const relays = standalone
    ? SERVICES.map((s) => spec(`relay-${s.name}`, 'apps/relay/dist/main.js', s.relayPort + offset, { RELAY_CONTEXT: s.name, DB_SCHEMA: schema(s.name), ...log(s) }))
    : [];
  const services = SERVICES.map((s) =>
    spec(s.name, `apps/${s.name}/dist/main.js`, s.port + offset, { DB_SCHEMA: schema(s.name), ...log(s), ...(standalone ? { RELAY_IN_PROCESS: 'false' } : {}) }),
  );
  const [mail, sms] = SINKS;
  const sinks = [
    spec(mail.name, 'tools/mail-sink/dist/main.js', mail.port + offset, { HTTP_PORT: String(mail.port + offset), SMTP_PORT: String(mail.smtpPort + offset) }),
    spec(sms.name, 'tools/sms-sink/dist/main.js', sms.port + offset, {}),
  ];
  const url = (port: number): string => `http://127.0.0.1:${port + offset}`;
  const smsProvider = (name: string, accountSid: string, from: string): Record<string, unknown> => ({
    name,
    baseUrl: url(sms.port),
    accountSid,
    authToken: 'dev-token',
    from,
    ratePerSecond: 200,
  });
  const workers = WORKERS.map((w) =>
    spec(w.name, `apps/${w.name}/dist/main.js`, w.port + offset, {
      DB_SCHEMA: schema(w.context),
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(mail.smtpPort + offset),
      SMS_PROVIDERS: JSON.stringify([
        smsProvider('primary', SMS_SINK_ACCOUNTS.primary, '+15005550006'),
        smsProvider('secondary', SMS_SINK_ACCOUNTS.secondary, '+15005550007'),
      ]),
      INVENTORY_URL: url(3002),
      ...(authOn ? { AUTH_CLIENT_ID: 'notifier', AUTH_CLIENT_SECRET: secrets.notifier } : ({} as Record<string, string>)),
      LINK_BASE_URL: `${url(3000)}/products`,
      UNSUBSCRIBE_BASE_URL: url(3004),
      SMS_STATUS_CALLBACK_URL: `${url(3004)}/webhooks/sms/status`,
    }),
  );
  const readSide = READ_SIDE.map((r) => spec(r.name, `apps/${r.name}/dist/main.js`, r.port + offset, { DB_SCHEMA: schema(r.name) }));
  // Second replicas: the same process on its own port, sharing schema, streams and durable consumers.
  const second = (first: ProcessSpec): ProcessSpec => {
    const port = first.port + REPLICA_PORT_STEP;
    return { ...first, name: `${first.name}-2`, port, url: `http://127.0.0.1:${port}`, env: { ...first.env, PORT: String(port), ...(settings.env?.[`${first.name}-2`] ?? {}) } };
  };
  const replicated = settings.replicas === 2 ? [...services, ...workers, ...readSide].map(second) : [];
  // The dashboard (last: it reads the projections' SSE stream and every other process's /metrics).
  const watched = [...relays, ...services, ...workers, ...readSide];
  const dashboard = spec('dashboard', 'apps/dashboard/dist/main.js', 3000 + offset, {
    PROJECTIONS_URL: url(3005),
    METRICS_TARGETS: JSON.stringify(Object.fromEntries(watched.map((p) => [p.name, p.url]))),
    ...(authOn ? { AUTH_CLIENT_ID: 'dashboard', AUTH_CLIENT_SECRET: secrets.dashboard } : ({} as Record<string, string>)),
  });
  // First of all: every other process verifies the tokens it issues. POST /dev/tokens is on (development).
  const identity: ProcessSpec = {
    name: IDENTITY.name,
    entry: 'tools/identity/dist/main.js',
    port: IDENTITY.port + offset,
    url: issuer,
    env: {
      ...common,
      PORT: String(IDENTITY.port + offset),
      AUTH_AUDIENCE: IDENTITY.audience,
      // POST /dev/tokens only in development (the provider reads NODE_ENV).
      NODE_ENV: common['STOCKFLOW_ENV'] === 'development' ? 'development' : 'production',
      IDENTITY_CLIENTS: JSON.stringify([
        // Operators sign in to the dashboard through the authorization-code flow.
        { clientId: 'dashboard', clientSecret: secrets.dashboard, scope: 'operator', redirectUris: [`${url(3000)}/auth/callback`] },
        { clientId: 'notifier', clientSecret: secrets.notifier, scope: 'service' },
      ]),
      ...(settings.env?.[IDENTITY.name] ?? {}),
    },
  };
  return [...(authOn ? [identity] : []), ...sinks, ...relays, ...services, ...workers, ...readSide, ...replicated, dashboard];
}
