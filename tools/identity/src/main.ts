// The development OpenID Provider of `npm start` (ADR 0026): discovery, JWKS, client credentials and,
// in development mode only, POST /dev/tokens.
import { startDevIdentityProvider } from '@stockflow/dev-identity';
import { identityConfigOf } from './identity-config.js';

const config = identityConfigOf(process.env);
const provider = await startDevIdentityProvider({
  port: config.port,
  host: config.host,
  audience: config.audience,
  clients: config.clients,
  development: config.development,
});
process.stdout.write(
  `${JSON.stringify({ level: 30, time: Date.now(), service: 'identity', issuer: provider.issuer, development: config.development, clients: config.clients.map((c) => c.clientId), msg: 'identity provider listening' })}\n`,
);
const stop = (): void => void provider.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
