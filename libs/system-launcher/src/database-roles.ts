import { READ_SIDE, SERVICES, WORKERS } from './system-manifest.js';

/** One PostgreSQL role per schema of the manifest, and the processes that log in as it (ADR 0020). */
export interface DatabaseRoleSpec {
  readonly role: string;
  readonly schema: string;
  /** A context's service, its relay and its workers share its schema, so they share its role. */
  readonly processes: readonly string[];
  /** Where the provisioning step reads the role's password. */
  readonly passwordVariable: string;
}

/**
 * `stockflow_<context>` for each context's schema (its service, relay and workers) and
 * `stockflow_projections` for the read side; with a schema prefix (tests) the role names carry it
 * too, `<prefix>_stockflow_<context>`, since roles are shared by the whole PostgreSQL server.
 */
export function databaseRoles(settings: { readonly schemaPrefix?: string } = {}): DatabaseRoleSpec[] {
  const prefixed = (name: string): string => (settings.schemaPrefix ? `${settings.schemaPrefix}_${name}` : name);
  const spec = (context: string, processes: string[]): DatabaseRoleSpec => ({
    role: prefixed(`stockflow_${context}`),
    schema: prefixed(context),
    processes,
    passwordVariable: `DB_PASSWORD_${context.toUpperCase()}`,
  });
  return [
    ...SERVICES.map((s) => spec(s.name, [s.name, `relay-${s.name}`, ...WORKERS.filter((w) => w.context === s.name).map((w) => w.name)])),
    ...READ_SIDE.map((r) => spec(r.name, [r.name])),
  ];
}

/** The `DATABASE_URL` of a process that logs in as `role` on the server of `adminUrl`. */
export function databaseUrlAs(adminUrl: string, role: string, password: string): string {
  const url = new URL(adminUrl);
  url.username = role;
  url.password = password;
  return url.toString();
}
