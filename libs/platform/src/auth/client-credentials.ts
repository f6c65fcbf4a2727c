import * as oidc from 'openid-client';

export interface ClientCredentialsOptions {
  /** The issuer (`AUTH_ISSUER`); its token endpoint is found through discovery. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The scope to ask for, e.g. `operator` or `service`. */
  readonly scope: string;
}

/**
 * Access tokens of the OAuth 2.0 client-credentials grant for a process that calls stockflow's APIs
 * itself (the dashboard, the notifier's stock check), with `openid-client` (panva): discovery, the
 * grant with HTTP Basic client authentication, the token kept until 30 s before it expires.
 * Plain `http://` issuers are allowed only on loopback addresses (the development provider).
 */
export class ClientCredentialsTokens {
  private config: Promise<oidc.Configuration> | undefined;
  private current: { token: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: ClientCredentialsOptions) {}

  /** A valid access token (fetched or renewed when needed). */
  async token(): Promise<string> {
    if (this.current && Date.now() < this.current.renewAt) return this.current.token;
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** `{ authorization: 'Bearer …' }` for a fetch. */
  async headers(): Promise<{ authorization: string }> {
    return { authorization: `Bearer ${await this.token()}` };
  }

  private async fetch(): Promise<string> {
    const config = await (this.config ??= this.discover().catch((error: unknown) => {
      this.config = undefined;
      throw error;
    }));
    const response = await oidc.clientCredentialsGrant(config, { scope: this.options.scope });
    const lifetime = (response.expires_in ?? 300) * 1000;
    this.current = { token: response.access_token, renewAt: Date.now() + Math.max(lifetime - 30_000, lifetime / 2) };
    return response.access_token;
  }

  private discover(): Promise<oidc.Configuration> {
    return discoverConfidentialClient(this.options.issuer, this.options.clientId, this.options.clientSecret);
  }
}

/**
 * The issuer's metadata (OpenID discovery) for a confidential client authenticating with HTTP Basic,
 * as `openid-client` uses it. Plain `http://` issuers are allowed only on loopback addresses (the
 * development provider); anything else must be `https://`.
 */
export function discoverConfidentialClient(issuer: string, clientId: string, clientSecret: string): Promise<oidc.Configuration> {
  const url = new URL(issuer);
  const loopback = url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]');
  return oidc.discovery(url, clientId, undefined, oidc.ClientSecretBasic(clientSecret), loopback ? { execute: [oidc.allowInsecureRequests] } : undefined);
}
