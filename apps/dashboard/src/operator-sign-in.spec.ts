// Operators sign in to the dashboard through the development identity provider (OpenID Connect
// authorization code with PKCE): the dashboard server in-process, the provider in-process, both real.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startDevIdentityProvider, type DevIdentityProvider } from '@stockflow/dev-identity';
import { loadConfig } from '@stockflow/platform';
import { freePort, signInToDashboard } from '@stockflow/testing';
import { DashboardConfig } from './dashboard-config.js';
import { startDashboard, type RunningDashboard } from './dashboard-server.js';

describe('operator sign-in to the dashboard', () => {
  let identity: DevIdentityProvider;
  let dashboard: RunningDashboard;

  beforeAll(async () => {
    const port = await freePort();
    const client = { clientId: 'dashboard', clientSecret: 'd'.repeat(40), scope: 'operator', redirectUris: [`http://127.0.0.1:${port}/auth/callback`] };
    identity = await startDevIdentityProvider({ port: 0, development: true, clients: [client] });
    const config = loadConfig(DashboardConfig, {
      PORT: String(port),
      PROJECTIONS_URL: 'http://127.0.0.1:9',
      AUTH_ISSUER: identity.issuer,
      AUTH_CLIENT_ID: client.clientId,
      AUTH_CLIENT_SECRET: client.clientSecret,
    });
    dashboard = await startDashboard(config, { handleSignals: false });
  });
  afterAll(async () => {
    await dashboard?.stop();
    await identity?.close();
  });

  it('sends a visitor without a session to sign in, and answers its API 401', async () => {
    const page = await fetch(dashboard.url, { redirect: 'manual' });
    expect([page.status, page.headers.get('location')]).toEqual([302, '/auth/login']);
    // helmet's headers on every answer: the page loads only its own files and is not framed elsewhere.
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const login = await fetch(`${dashboard.url}/auth/login`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const authorization = new URL(login.headers.get('location')!);
    expect(authorization.origin).toBe(identity.issuer);
    expect(Object.fromEntries(authorization.searchParams)).toEqual(
      expect.objectContaining({ client_id: 'dashboard', response_type: 'code', scope: 'openid operator', code_challenge_method: 'S256', redirect_uri: `${dashboard.url}/auth/callback` }),
    );
    for (const path of ['/api/me', '/api/health', '/api/views/stock']) {
      const response = await fetch(`${dashboard.url}${path}`);
      expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 401, 'application/problem+json']);
    }
  });

  it('keeps /metrics and the details of readiness for operators and scrapers; liveness stays open', async () => {
    expect((await fetch(`${dashboard.url}/health/live`)).status).toBe(200);
    const anonymous = await fetch(`${dashboard.url}/metrics`);
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="stockflow"']);
    const asCustomer = await fetch(`${dashboard.url}/metrics`, { headers: { authorization: `Bearer ${(await identity.mint('customer-1', 'customer')).access_token}` } });
    expect(asCustomer.status).toBe(403);
    const scraper = await fetch(`${dashboard.url}/metrics`, { headers: { authorization: `Bearer ${(await identity.mint('prometheus', 'metrics')).access_token}` } });
    expect(scraper.status).toBe(200);
    expect(await scraper.text()).toContain('dashboard_projections_up');
    // The projections it shows do not answer here: not ready, and only the verdict for anonymous callers.
    const ready = await fetch(`${dashboard.url}/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'error' }]);
    const detailed = await fetch(`${dashboard.url}/health/ready`, { headers: { authorization: `Bearer ${(await identity.mint('ops-1', 'operator')).access_token}` } });
    expect(((await detailed.json()) as { details: unknown }).details).toEqual({ projections: { status: 'down', url: 'http://127.0.0.1:9' } });
  });

  it('signs an operator in through the identity provider; the session names them and signs out', async () => {
    const cookie = await signInToDashboard(dashboard.url, 'ops-7');
    const me = await fetch(`${dashboard.url}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ subject: 'ops-7', signedIn: true });
    // The page is no longer a redirect to sign in (its files are built by Vite; the system test loads it in Chromium).
    expect((await fetch(dashboard.url, { headers: { cookie }, redirect: 'manual' })).status).not.toBe(302);

    const out = await fetch(`${dashboard.url}/auth/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect([out.status, out.headers.get('location')]).toEqual([303, '/auth/signed-out']);
    expect(out.headers.getSetCookie().join('\n')).toMatch(/stockflow_dashboard=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax/);
    // A sign-out is a POST: a link or a prefetch signs no one out.
    expect((await fetch(`${dashboard.url}/auth/logout`, { headers: { cookie } })).status).toBe(404);
  }, 20_000);

  it('keeps the sign-in\'s PKCE verifier, state and nonce in a short-lived HttpOnly cookie scoped to /auth', async () => {
    const login = await fetch(`${dashboard.url}/auth/login`, { redirect: 'manual' });
    expect(login.headers.getSetCookie()[0]).toMatch(/^stockflow_dashboard_sign_in=[\w-]+; Max-Age=600; Path=\/auth; HttpOnly; SameSite=Lax$/);
  });

  it('refuses a customer, a forged session and a callback without its sign-in', async () => {
    const customer = (await identity.mint('customer-1', 'customer')).access_token;
    const asCustomer = await fetch(`${dashboard.url}/api/me`, { headers: { cookie: `stockflow_dashboard=${customer}` } });
    expect(asCustomer.status).toBe(403);
    expect(((await asCustomer.json()) as { detail: string }).detail).toBe('customer-1 is signed in but is not an operator');

    const operator = (await identity.mint('ops-1', 'operator')).access_token;
    const [header, payload] = operator.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;
    expect((await fetch(`${dashboard.url}/api/me`, { headers: { cookie: `stockflow_dashboard=${forged}` } })).status).toBe(401);

    // A code and state that no sign-in of this browser started: refused with a page, never a 500.
    const stray = await fetch(`${dashboard.url}/auth/callback?code=abc&state=xyz&iss=${encodeURIComponent(identity.issuer)}`);
    expect(stray.status).toBe(400);
    expect(await stray.text()).toContain('The sign-in expired or was started in another browser.');
    const pending = `stockflow_dashboard_sign_in=${Buffer.from(JSON.stringify({ verifier: 'v'.repeat(43), state: 'right', nonce: 'n' })).toString('base64url')}`;
    const wrongState = await fetch(`${dashboard.url}/auth/callback?code=abc&state=wrong&iss=${encodeURIComponent(identity.issuer)}`, { headers: { cookie: pending } });
    expect(wrongState.status).toBe(400);
    expect(await wrongState.text()).toContain('did not sign you in');
  });

  it('signs no one in when the identity provider is not in development mode (no sign-in form)', async () => {
    const port = await freePort();
    const client = { clientId: 'dashboard', clientSecret: 'e'.repeat(40), scope: 'operator', redirectUris: [`http://127.0.0.1:${port}/auth/callback`] };
    const production = await startDevIdentityProvider({ port: 0, development: false, clients: [client] });
    const other = await startDashboard(
      loadConfig(DashboardConfig, { PORT: String(port), PROJECTIONS_URL: 'http://127.0.0.1:9', AUTH_ISSUER: production.issuer, AUTH_CLIENT_ID: 'dashboard', AUTH_CLIENT_SECRET: client.clientSecret }),
      { handleSignals: false },
    );
    try {
      await expect(signInToDashboard(other.url, 'ops-1')).rejects.toThrow(/signing in/);
    } finally {
      await other.stop();
      await production.close();
    }
  }, 20_000);
});
