import { describe, expect, it } from '@jest/globals';
import { chooseServer, natsInstallHint, type ServerFacts } from './provide-servers.js';

const postgres: ServerFacts = { name: 'PostgreSQL', variable: 'DATABASE_URL', explicit: false, where: '127.0.0.1:5432', answers: false, ownServers: false };

describe("which PostgreSQL and NATS npm start uses", () => {
  it('uses the server that answers, and starts its own when none does and the URL was not set', () => {
    expect(chooseServer({ ...postgres, answers: true })).toEqual({ kind: 'use' });
    expect(chooseServer(postgres)).toEqual({ kind: 'start' });
  });

  it('starts its own even when the default answers, with --own-servers', () => {
    expect(chooseServer({ ...postgres, answers: true, ownServers: true })).toEqual({ kind: 'start' });
    expect(chooseServer({ ...postgres, answers: true, explicit: true, ownServers: true })).toEqual({ kind: 'start' });
  });

  it('does not replace a server the user named: it says that one does not answer', () => {
    expect(chooseServer({ ...postgres, explicit: true })).toEqual({
      kind: 'missing',
      line: 'PostgreSQL does not answer at DATABASE_URL (127.0.0.1:5432); start it there, or unset DATABASE_URL and npm start runs one of its own',
    });
  });

  it('names the one command that installs nats-server when it cannot start one', () => {
    const nats: ServerFacts = { name: 'NATS', variable: 'NATS_URL', explicit: false, where: '127.0.0.1:4222', answers: false, ownServers: false, cannotStart: natsInstallHint(0) };
    expect(chooseServer(nats)).toEqual({
      kind: 'missing',
      line: 'NATS does not answer on 127.0.0.1:4222 and nats-server is not installed; install it with: apt-get install -y nats-server   (macOS: brew install nats-server)',
    });
    expect(natsInstallHint(1000)).toContain('sudo apt-get install -y nats-server');
    expect(chooseServer({ ...nats, answers: true })).toEqual({ kind: 'use' });
  });
});
