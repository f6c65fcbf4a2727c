// A real MTA for the e-mail tests: Debian's Exim, run by the test on a free port with a configuration
// of its own — STARTTLS with a certificate from a CA the test makes, AUTH required before MAIL FROM,
// every accepted message discarded after it is logged. What it accepted is read from its own main log.
import { freePorts } from '@stockflow/testing';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { EXIM, lookUpTool, systemFacts } from '../machine/find-tool.js';

/** One message the MTA accepted (a `<=` line of its main log). */
export interface AcceptedMail {
  readonly eximId: string;
  /** The Message-ID header without angle brackets, or null when the message had none. */
  readonly messageId: string | null;
  /** The TLS cipher the message came over, or null when it came in clear. */
  readonly tls: string | null;
  /** `plain:<user>` or `login:<user>` when the client authenticated. */
  readonly authenticated: string | null;
}

export interface TestMta {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  /** A file holding the password (SMTP_PASSWORD_FILE). */
  readonly passwordFile: string;
  /** The test CA's certificate (SMTP_TLS_CA_FILE). */
  readonly caFile: string;
  accepted(): AcceptedMail[];
  /** Failed AUTH attempts the MTA logged. */
  authFailures(): number;
  /** Connections whose TLS handshake failed (the client refused the certificate). */
  tlsFailures(): number;
  stop(): Promise<void>;
}

const USER = 'stockflow-notifier';
const EXIM_ACCOUNT = 'Debian-exim';

/**
 * Starts Exim on a free port of 127.0.0.1. Needs the `exim4` binary (ensure-test-tools installs it)
 * and `openssl`; runs as root, because Exim keeps the privileges it needs for `-C` only for root.
 */
export async function startTestMta(): Promise<TestMta> {
  const lookup = lookUpTool(EXIM, systemFacts());
  if (lookup.kind !== 'found') throw new Error(lookup.kind === 'missing' ? lookup.line : 'real-MTA tests: no Exim; run npx nx run system-tests:ensure-test-tools');
  if (userInfo().uid !== 0) throw new Error('real-MTA tests: Exim runs a configuration of the test’s own (-C) only for root; run the system tests as root');
  const dir = mkdtempSync(join(tmpdir(), 'stockflow-mta-'));
  chmodSync(dir, 0o755);
  const [port] = await freePorts(1);
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const files = makeCertificates(dir);
  const passwordFile = join(dir, 'smtp-password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const uid = uidOf(EXIM_ACCOUNT);
  for (const sub of ['spool', 'log']) {
    mkdirSync(join(dir, sub));
    chownSync(join(dir, sub), uid, uid);
  }
  const config = join(dir, 'exim.conf');
  writeFileSync(config, eximConfig({ dir, port: port!, serverCert: files.serverCert, serverKey: files.serverKey, user: USER, password }), { mode: 0o644 });
  const child = spawn(lookup.path, ['-C', config, '-bdf', '-oP', join(dir, 'exim.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  if (!(await listening(port!, child, 10_000))) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`real-MTA tests: Exim did not listen on ${port}: ${output.trim()}`);
  }
  const mainLog = (): string => {
    try {
      return readFileSync(join(dir, 'log', 'mainlog'), 'utf8');
    } catch {
      return '';
    }
  };
  return {
    host: '127.0.0.1',
    port: port!,
    user: USER,
    passwordFile,
    caFile: files.caCert,
    accepted: () => parseAccepted(mainLog()),
    authFailures: () => mainLog().split('\n').filter((line) => line.includes('authenticator failed')).length,
    tlsFailures: () => mainLog().split('\n').filter((line) => /TLS error on connection/.test(line)).length,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `<=` lines of an Exim main log. */
export function parseAccepted(log: string): AcceptedMail[] {
  const out: AcceptedMail[] = [];
  for (const line of log.split('\n')) {
    const match = /^\S+ \S+ (\S+) <= /.exec(line);
    if (!match) continue;
    out.push({
      eximId: match[1]!,
      messageId: / id=(\S+)/.exec(line)?.[1] ?? null,
      tls: / X=(\S+)/.exec(line)?.[1] ?? null,
      authenticated: / A=(\S+)/.exec(line)?.[1] ?? null,
    });
  }
  return out;
}

interface ConfigInput {
  readonly dir: string;
  readonly port: number;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly user: string;
  readonly password: string;
}

/** AUTH only over TLS, required before MAIL FROM; every message accepted, logged with its Message-ID, then discarded. */
function eximConfig(c: ConfigInput): string {
  return `primary_hostname = mta.stockflow.test
exim_user = ${EXIM_ACCOUNT}
exim_group = ${EXIM_ACCOUNT}
keep_environment =
spool_directory = ${c.dir}/spool
log_file_path = ${c.dir}/log/%slog
log_selector = +smtp_connection
daemon_smtp_ports = ${c.port}
local_interfaces = 127.0.0.1
queue_only = false
tls_advertise_hosts = *
tls_certificate = ${c.serverCert}
tls_privatekey = ${c.serverKey}
auth_advertise_hosts = \${if eq{$tls_in_cipher}{}{}{*}}
acl_smtp_mail = acl_check_mail
acl_smtp_rcpt = acl_check_rcpt
domainlist local_domains = *

begin acl
acl_check_mail:
  deny message = authentication required
       !authenticated = *
  accept
acl_check_rcpt:
  accept

begin routers
discard:
  driver = redirect
  data = :blackhole:

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and{{eq{$auth2}{${c.user}}}{eq{$auth3}{${c.password}}}}}
  server_set_id = $auth2
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = \${if and{{eq{$auth1}{${c.user}}}{eq{$auth2}{${c.password}}}}}
  server_set_id = $auth1
`;
}

/** A CA of the test's own and a certificate it signs for 127.0.0.1 and localhost. */
function makeCertificates(dir: string): { caCert: string; serverCert: string; serverKey: string } {
  const path = (name: string): string => join(dir, name);
  const openssl = (args: string[]): void => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`real-MTA tests: openssl ${args[0]} failed: ${result.error?.message ?? result.stderr}`);
  };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('ca.key'), '-out', path('ca.crt'), '-days', '2', '-subj', '/CN=stockflow test CA']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', path('server.csr'), '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-CAcreateserial', '-out', path('server.crt'), '-days', '2', '-extfile', path('server.ext')]);
  // Exim reads the key after it has become its own user.
  chownSync(path('server.key'), uidOf(EXIM_ACCOUNT), uidOf(EXIM_ACCOUNT));
  return { caCert: path('ca.crt'), serverCert: path('server.crt'), serverKey: path('server.key') };
}

function uidOf(account: string): number {
  const result = spawnSync('id', ['-u', account], { encoding: 'utf8' });
  const uid = Number(result.stdout.trim());
  if (result.status !== 0 || !Number.isInteger(uid)) throw new Error(`real-MTA tests: no ${account} account (Debian's exim4 package creates it)`);
  return uid;
}

async function listening(port: number, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
