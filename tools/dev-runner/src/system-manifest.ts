/** One process of the local system as `npm start` runs it. */
export interface ProcessSpec {
  readonly name: string;
  /** Entry point relative to the workspace root (a built dist file). */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  /** Where it answers HTTP, for the start-up banner and the readiness wait. */
  readonly url: string;
}

export interface DevSettings {
  readonly databaseUrl: string;
  readonly natsUrl: string;
}

/** Contexts with an event log of their own, each relayed by its own relay process. */
export const RELAYED_CONTEXTS: readonly { context: string; relayPort: number }[] = [
  { context: 'inventory', relayPort: 3202 },
];

/** Everything `npm start` runs, in start order. Services join this list as they arrive. */
export function systemManifest(settings: DevSettings): ProcessSpec[] {
  const relays = RELAYED_CONTEXTS.map(({ context, relayPort }) => ({
    name: `relay:${context}`,
    entry: 'apps/relay/dist/main.js',
    url: `http://127.0.0.1:${relayPort}`,
    env: {
      RELAY_CONTEXT: context,
      DB_SCHEMA: context,
      PORT: String(relayPort),
      DATABASE_URL: settings.databaseUrl,
      NATS_URL: settings.natsUrl,
    },
  }));
  return [...relays];
}
