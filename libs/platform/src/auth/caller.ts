/**
 * Who is calling, as the platform's guard found it from a verified bearer token (or a stream
 * ticket issued for one). Three kinds (ADR 0025):
 * - `customer`: the token's `sub` is the customer id and its scope holds `customer`;
 * - `operator`: its scope holds `operator` (SKU register, receipts, adjustments, rebuilds, dead-letter
 *   operations, the dashboard, every read view);
 * - `service`: a client of the client-credentials grant with neither (e.g. a metrics scraper with
 *   the `metrics` scope).
 */
export type CallerKind = 'customer' | 'operator' | 'service';

/** The scopes stockflow's routes know. */
export const AuthScopes = {
  customer: 'customer',
  operator: 'operator',
  /** Reads `/metrics` and the detailed `/health/ready` (a Prometheus scrape credential). */
  metrics: 'metrics',
  /** A process calling another's API for itself (e.g. the notifier's stock check). */
  service: 'service',
} as const;

export interface Caller {
  readonly kind: CallerKind;
  /** The token's `sub`: the customer id for a customer; a name or client id otherwise. */
  readonly subject: string;
  readonly scopes: ReadonlySet<string>;
  /** The OAuth client the token was issued to, when the token says. */
  readonly clientId?: string;
}

/** The caller kind a token's scopes make: `operator` wins over `customer`. */
export function callerKindOf(scopes: ReadonlySet<string>): CallerKind {
  if (scopes.has(AuthScopes.operator)) return 'operator';
  if (scopes.has(AuthScopes.customer)) return 'customer';
  return 'service';
}

export function callerOf(claims: { sub?: unknown; scope?: unknown; client_id?: unknown }): Caller | null {
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 200) return null;
  const scopes = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []);
  return {
    kind: callerKindOf(scopes),
    subject: claims.sub,
    scopes,
    clientId: typeof claims.client_id === 'string' ? claims.client_id : undefined,
  };
}
