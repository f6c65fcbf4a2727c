import type { ConfigIssue } from '@stockflow/platform';
import { readFileSync } from 'node:fs';

/**
 * How the notifier uses TLS with its mail server:
 * - `starttls-required`: plain connection, then STARTTLS; a server that does not offer it is refused;
 * - `starttls-if-offered`: STARTTLS when the server offers it, plain otherwise;
 * - `implicit`: TLS from the first byte (port 465);
 * - `off`: never TLS (a development sink).
 * Whenever TLS is used the server's certificate and name are checked, against the system's CAs or
 * `SMTP_TLS_CA_FILE`; no setting turns that off.
 */
export const SMTP_TLS_MODES = ['starttls-required', 'starttls-if-offered', 'implicit', 'off'] as const;
export type SmtpTlsMode = (typeof SMTP_TLS_MODES)[number];

/** The notifier's SMTP settings, as configured. */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** Unset: see `effectiveTlsMode`. */
  readonly tls?: SmtpTlsMode | undefined;
  /** PEM file of the CA certificate(s) that sign the server's certificate (a private relay). */
  readonly caFile?: string | undefined;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
}

/** The transport options nodemailer takes for a server (pooling aside). */
export interface SmtpConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly requireTLS: boolean;
  readonly ignoreTLS: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  readonly tls: { readonly rejectUnauthorized: true; readonly minVersion: 'TLSv1.2'; readonly ca?: Buffer };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The mode when none is configured: `implicit` on port 465; `starttls-if-offered` for a server on this
 * machine (the development sink offers no TLS); `starttls-required` for any other host, so that mail and
 * credentials never cross a network in clear because a setting was forgotten.
 */
export function effectiveTlsMode(settings: Pick<SmtpSettings, 'host' | 'port' | 'tls'>): SmtpTlsMode {
  if (settings.tls) return settings.tls;
  if (settings.port === 465) return 'implicit';
  return isLoopbackHost(settings.host) ? 'starttls-if-offered' : 'starttls-required';
}

/** What is wrong with a combination of SMTP settings (each variable alone is checked by the config class). */
export function smtpSettingsIssues(settings: SmtpSettings, readable: (path: string) => boolean = isReadable): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const mode = effectiveTlsMode(settings);
  if (settings.user && !settings.password) issues.push({ variable: 'SMTP_PASSWORD', expected: 'set when SMTP_USER is set (or SMTP_PASSWORD_FILE)', received: undefined });
  if (settings.password && !settings.user) issues.push({ variable: 'SMTP_USER', expected: 'set when SMTP_PASSWORD is set (or SMTP_USER_FILE)', received: undefined });
  const plainPossible = mode === 'off' || mode === 'starttls-if-offered';
  if (settings.user && plainPossible && !isLoopbackHost(settings.host)) {
    issues.push({
      variable: 'SMTP_TLS',
      expected: `starttls-required or implicit when SMTP_USER is set for a server on another host (a password is never sent in clear); SMTP_HOST is ${settings.host}`,
      received: mode,
    });
  }
  if (settings.caFile) {
    if (mode === 'off') issues.push({ variable: 'SMTP_TLS_CA_FILE', expected: 'unset when SMTP_TLS=off (no TLS, no certificate to check)', received: settings.caFile });
    else if (!readable(settings.caFile)) issues.push({ variable: 'SMTP_TLS_CA_FILE', expected: 'a readable PEM file of CA certificates', received: settings.caFile });
  }
  return issues;
}

/** nodemailer's options for these settings; reads the CA file. */
export function smtpConnectionOptions(settings: SmtpSettings): SmtpConnectionOptions {
  const mode = effectiveTlsMode(settings);
  return {
    host: settings.host,
    port: settings.port,
    secure: mode === 'implicit',
    requireTLS: mode === 'starttls-required',
    ignoreTLS: mode === 'off',
    ...(settings.user && settings.password ? { auth: { user: settings.user, pass: settings.password } } : {}),
    tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(settings.caFile ? { ca: readFileSync(settings.caFile) } : {}) },
  };
}

function isReadable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
