import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifySmtpError } from './email-channel.js';
import { effectiveTlsMode, smtpConnectionOptions, smtpSettingsIssues } from './smtp-settings.js';

describe('SMTP settings', () => {
  it('defaults to implicit TLS on 465, opportunistic STARTTLS on this machine, required STARTTLS elsewhere', () => {
    expect(effectiveTlsMode({ host: 'smtp.example.net', port: 465 })).toBe('implicit');
    expect(effectiveTlsMode({ host: '127.0.0.1', port: 1025 })).toBe('starttls-if-offered');
    expect(effectiveTlsMode({ host: 'localhost', port: 25 })).toBe('starttls-if-offered');
    expect(effectiveTlsMode({ host: 'smtp.example.net', port: 587 })).toBe('starttls-required');
    expect(effectiveTlsMode({ host: 'smtp.example.net', port: 587, tls: 'off' })).toBe('off');
  });

  it('maps each mode to nodemailer options, and always checks the certificate', () => {
    const required = smtpConnectionOptions({ host: 'smtp.example.net', port: 587, user: 'apikey', password: 'pw' });
    expect(required).toMatchObject({ secure: false, requireTLS: true, ignoreTLS: false, auth: { user: 'apikey', pass: 'pw' }, tls: { rejectUnauthorized: true } });
    expect(smtpConnectionOptions({ host: 'smtp.example.net', port: 465 })).toMatchObject({ secure: true, requireTLS: false, ignoreTLS: false });
    expect(smtpConnectionOptions({ host: '127.0.0.1', port: 1025, tls: 'off' })).toMatchObject({ secure: false, requireTLS: false, ignoreTLS: true });
    expect(smtpConnectionOptions({ host: '127.0.0.1', port: 1025 }).auth).toBeUndefined();
    for (const tls of ['starttls-required', 'starttls-if-offered', 'implicit', 'off'] as const) {
      expect(smtpConnectionOptions({ host: 'smtp.example.net', port: 587, tls }).tls.rejectUnauthorized).toBe(true);
    }
  });

  it('reads a private CA from SMTP_TLS_CA_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockflow-smtp-'));
    try {
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      expect(smtpConnectionOptions({ host: 'relay.internal', port: 25, caFile: ca }).tls.ca?.toString()).toContain('BEGIN CERTIFICATE');
      expect(smtpSettingsIssues({ host: 'relay.internal', port: 25, caFile: ca })).toEqual([]);
      expect(smtpSettingsIssues({ host: 'relay.internal', port: 25, caFile: join(dir, 'absent.pem') })).toEqual([
        expect.objectContaining({ variable: 'SMTP_TLS_CA_FILE', expected: 'a readable PEM file of CA certificates' }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses settings that would send a password in clear to another host, or half a credential', () => {
    expect(smtpSettingsIssues({ host: 'smtp.example.net', port: 587, user: 'u', password: 'p' })).toEqual([]);
    expect(smtpSettingsIssues({ host: '127.0.0.1', port: 2525, tls: 'starttls-if-offered', user: 'u', password: 'p' })).toEqual([]);
    expect(smtpSettingsIssues({ host: 'smtp.example.net', port: 587, tls: 'starttls-if-offered', user: 'u', password: 'p' }).map((i) => i.variable)).toEqual(['SMTP_TLS']);
    expect(smtpSettingsIssues({ host: 'smtp.example.net', port: 25, tls: 'off', user: 'u', password: 'p' }).map((i) => i.variable)).toEqual(['SMTP_TLS']);
    expect(smtpSettingsIssues({ host: 'smtp.example.net', port: 587, user: 'u' }).map((i) => i.variable)).toEqual(['SMTP_PASSWORD']);
    expect(smtpSettingsIssues({ host: 'smtp.example.net', port: 587, password: 'p' }).map((i) => i.variable)).toEqual(['SMTP_USER']);
    expect(smtpSettingsIssues({ host: '127.0.0.1', port: 1025, tls: 'off', caFile: '/etc/ssl/ca.pem' }).map((i) => i.variable)).toEqual(['SMTP_TLS_CA_FILE']);
  });
});

describe('SMTP errors', () => {
  it('a refused recipient is permanent; a refused login, a bad certificate and a timeout are retried', () => {
    const rejected = classifySmtpError(Object.assign(new Error('Recipient command failed: 550 5.1.1 <ada@example.com>: no such user'), { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }));
    expect(rejected.permanent).toBe(true);
    const login = classifySmtpError(Object.assign(new Error('Invalid login: 535 Incorrect authentication data'), { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }));
    expect(login).toMatchObject({ permanent: false, message: 'EAUTH 535: Invalid login: 535 Incorrect authentication data' });
    const certificate = classifySmtpError(Object.assign(new Error('unable to verify the first certificate'), { code: 'ESOCKET', command: 'CONN' }));
    expect(certificate).toMatchObject({ permanent: false, message: 'ESOCKET: unable to verify the first certificate' });
    expect(classifySmtpError(Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' })).permanent).toBe(false);
    expect(classifySmtpError(Object.assign(new Error('try later'), { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' })).permanent).toBe(false);
  });

  it('masks e-mail addresses the server quotes', () => {
    const rejected = classifySmtpError(Object.assign(new Error('550 5.1.1 <ada.lovelace@example.com>: Recipient address rejected'), { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }));
    expect(rejected.message).not.toContain('ada.lovelace');
    expect(rejected.message).toContain('<address>');
  });
});
