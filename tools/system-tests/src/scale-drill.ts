// Issue 14's drill, shared by the system test (short) and `npm run bench:scale` (longer): a
// three-node NATS cluster of its own, two replicas of every process (inventory on a database of its
// own), an open-loop load round-robin over the replicas; kill -9 one NATS node, bring it back; kill
// -9 one replica of each process, bring them back. Then the invariants, and the latency per phase.
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@stockflow/messaging';
import { createPool, DEFAULT_DATABASE_URL } from '@stockflow/postgres';
import { findNatsServer, NatsCluster, SERVICES, startIsolatedSystem, WORKERS, READ_SIDE, type IsolatedSystem } from '@stockflow/system-launcher';
import { confirmContacts } from '@stockflow/sink-kit';
import { fetchJson as http, notificationMails, notificationSms, workspaceRoot } from '@stockflow/testing/clients';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Order, Sku } from './api-shapes.js';
import { COMMAND_TIMEOUT_MS, percentile, SteadyLoad, type CommandOutcome } from './steady-load.js';

export interface DrillOptions {
  /** Commands per second of the open-loop load. */
  readonly ratePerSecond: number;
  /** How long each phase lasts: steady before, each outage, each recovery, steady after. */
  readonly phaseMs: number;
  readonly progress?: (line: string) => void;
}

export interface PhaseFigures {
  readonly phase: string;
  readonly commands: number;
  readonly accepted: number;
  /** Answered with 5xx or not at all, after the one retry on the other replica. */
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface DrillReport {
  readonly ratePerSecond: number;
  readonly phases: PhaseFigures[];
  /**
   * Each outage: how long the victim was away (kill → back and ready; the drill holds it down for a
   * phase), and from its return until an order placed then was final (the backlog drained).
   */
  readonly recoveries: { readonly what: string; readonly awayMs: number; readonly recoveredMs: number }[];
  readonly invariants: {
    readonly ordersAccepted: number;
    readonly ordersNotFinal: number;
    readonly ordersPlacedTwice: number;
    /** SKUs whose on-hand is not the initial stock plus each accepted receipt once (receipts left unanswered may or may not count). */
    readonly receiptsNotAppliedOnce: string[];
    readonly oversoldSkus: string[];
    readonly readModelMismatches: string[];
    readonly readModelMismatchesAfterRebuild: string[];
    /** Per restock and channel (email, SMS), subscribers that got other than exactly one notification. */
    readonly notificationMisses: string[];
    readonly consumersWithPending: string[];
  };
}

const LOAD_SKUS = Array.from({ length: 12 }, (_, i) => `DRILL-${i}`);
/** Little enough that SKUs sell out under the load: rejections and the no-oversell check get work. */
const STOCK_PER_SKU = 50;
const SUBSCRIBERS = 3;
const PROCESSES = [...SERVICES.map((s) => s.name), ...WORKERS.map((w) => w.name), ...READ_SIDE.map((r) => r.name)];

/** The n-th subscriber's phone number. */
const drillPhone = (n: number): string => `+4915170009${String(n).padStart(3, '0')}`;

/** The product name of the n-th restock: its email's subject and its SMS start with it. */
const restockName = (n: number): string => `Drill restock ${String.fromCharCode(65 + n)}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`drill: timed out waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * One command to whichever replica the round-robin names; when that one does not answer (killed)
 * or answers 5xx, once more to the other with the same Idempotency-Key, as a load balancer's retry
 * would: the key makes the second attempt safe.
 */
async function roundRobin(sys: IsolatedSystem, process: string, i: number, kind: string, subject: string, method: string, path: string, body: unknown): Promise<CommandOutcome> {
  const names = [process, `${process}-2`];
  const key = randomUUID();
  const sentAt = Date.now();
  const started = performance.now();
  let last: { status: number; body: Record<string, unknown> | null } = { status: 0, body: null };
  for (const name of i % 2 === 0 ? names : [...names].reverse()) {
    try {
      const response = await fetch(`${sys.url(name)}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
      });
      const text = await response.text();
      last = { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
      if (response.status < 500) break;
    } catch (error) {
      last = { status: 0, body: { error: String(error) } };
    }
  }
  return { kind, subject, sentAt, ms: performance.now() - started, status: last.status, contentType: null, retryAfter: null, body: last.body };
}

export async function runScaleDrill(options: DrillOptions): Promise<DrillReport> {
  const say = options.progress ?? (() => undefined);
  const executable = findNatsServer();
  if (!executable) throw new Error('drill: no nats-server binary (the NATS package installs one)');
  const cluster = await NatsCluster.start({ executable, baseDir: mkdtempSync(join(tmpdir(), 'stockflow-drill-nats-')) });
  say(`NATS cluster of 3 up: ${cluster.url}`);
  // Inventory on a database of its own: nothing may reach across (DATABASE_URL per service).
  const admin = createPool({ connectionString: process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL, max: 1 });
  const inventoryDb = `stockflow_drill_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${inventoryDb}`);
  const inventoryUrl = new URL(process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL);
  inventoryUrl.pathname = `/${inventoryDb}`;
  let sys: IsolatedSystem | undefined;
  try {
    const inventoryEnv = { DATABASE_URL: inventoryUrl.toString() };
    sys = await startIsolatedSystem({
      root: workspaceRoot,
      label: 'drill',
      idPrefix: 'd',
      natsUrl: cluster.url,
      replicas: 2,
      authentication: false,
      commonEnv: { NATS_STREAM_REPLICAS: '3', RELAY_ELECTION_INTERVAL_MS: '500', PROJECTIONS_ELECTION_INTERVAL_MS: '500' },
      env: { inventory: inventoryEnv, 'inventory-2': inventoryEnv },
      startTimeoutMs: 180_000,
    });
    say(`system up: ${sys.system.running.length} processes, two of each`);
    return await drill(sys, cluster, options, say);
  } finally {
    await sys?.stop().catch(() => undefined);
    await cluster.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${inventoryDb} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

async function drill(sys: IsolatedSystem, cluster: NatsCluster, options: DrillOptions, say: (line: string) => void): Promise<DrillReport> {
  const observer = await connectNats({ url: cluster.url, name: 'drill-observer' });
  try {
    return await drillWith(sys, cluster, await jetstreamManager(observer), options, say);
  } finally {
    await observer.close();
  }
}

async function drillWith(
  sys: IsolatedSystem,
  cluster: NatsCluster,
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  options: DrillOptions,
  say: (line: string) => void,
): Promise<DrillReport> {
  const inventory = sys.url('inventory');
  const notifications = sys.url('notifications');
  const expectStatus = async (what: string, call: Promise<{ status: number }>, status: number): Promise<void> => {
    const answer = await call;
    if (answer.status !== status) throw new Error(`drill setup: ${what} answered ${answer.status}`);
  };
  for (const sku of LOAD_SKUS) {
    await expectStatus(`register ${sku}`, http('POST', `${inventory}/skus`, { sku, name: `Drill ${sku}`, lowStockThreshold: 0 }), 201);
    await expectStatus(`receive ${sku}`, http('POST', `${inventory}/skus/${sku}/receipts`, { quantity: STOCK_PER_SKU }), 200);
  }
  // One restock from zero per phase, each watched by the same subscribers (email).
  const restocks: string[] = [];
  const subscribers = Array.from({ length: SUBSCRIBERS }, (_, i) => `drill-sub-${i}`);
  for (const [n, customerId] of subscribers.entries()) {
    const body = { email: `${customerId}@drill.example`, phone: drillPhone(n), channels: { email: true, sms: true, web: false } };
    await expectStatus(`preferences of ${customerId}`, http('PUT', `${notifications}/customers/${customerId}/preferences`, body), 200);
    await confirmContacts({ notificationsUrl: notifications, mailSinkUrl: sys.url('mail-sink'), smsSinkUrl: sys.url('sms-sink') }, customerId, body);
  }
  // Through the round-robin with its retry, as the load's commands: one replica may be down.
  const restock = async (): Promise<void> => {
    const sku = `DRILL-BACK-${restocks.length}`;
    await expectStatus(`register ${sku}`, roundRobin(sys, 'inventory', 0, 'setup', sku, 'POST', '/skus', { sku, name: restockName(restocks.length), lowStockThreshold: 0 }), 201);
    for (const customerId of subscribers) {
      await expectStatus(`subscribe ${customerId}`, roundRobin(sys, 'notifications', 0, 'setup', sku, 'POST', '/subscriptions', { customerId, sku, kind: 'back-in-stock' }), 201);
    }
    restocks.push(sku);
    await roundRobin(sys, 'inventory', restocks.length, 'restock', sku, 'POST', `/skus/${sku}/receipts`, { quantity: 5 });
  };

  const load = new SteadyLoad(options.ratePerSecond, async (i, record) => {
    const sku = LOAD_SKUS[i % LOAD_SKUS.length]!;
    if (i % 5 === 4) record(await roundRobin(sys, 'inventory', i, 'receipt', sku, 'POST', `/skus/${sku}/receipts`, { quantity: 1 }));
    else record(await roundRobin(sys, 'orders', i, 'order', sku, 'POST', '/orders', { customerId: `drill-c${i % 50}`, lines: [{ sku, quantity: 1 + (i % 3) }] }));
  });
  const marks: { phase: string; from: number }[] = [];
  const mark = (phase: string): void => {
    marks.push({ phase, from: Date.now() });
    say(phase);
  };
  const recoveries: DrillReport['recoveries'] = [];
  /** The system has recovered from a kill once an order placed when the victim is back is final. */
  const recovered = async (what: string, killedAt: number, backAt: number): Promise<void> => {
    const placed = await roundRobin(sys, 'orders', 0, 'probe', 'DRILL-0', 'POST', '/orders', { customerId: 'drill-probe', lines: [{ sku: LOAD_SKUS[0]!, quantity: 1 }] });
    const orderId = placed.body?.['orderId'];
    if (typeof orderId !== 'string') throw new Error(`drill: the probe order after ${what} was not accepted (${placed.status})`);
    await until(`the probe order after ${what}`, () => http<Order>('GET', `${sys.url('orders')}/orders/${orderId}`).then((r) => r.body.status), (s) => s === 'confirmed' || s === 'rejected', 120_000);
    recoveries.push({ what, awayMs: backAt - killedAt, recoveredMs: Date.now() - backAt });
  };

  mark('steady');
  load.start();
  let killedAt = 0;
  try {
    await sleep(options.phaseMs / 2);
    await restock();
    await sleep(options.phaseMs / 2);

    // One NATS node dies: the leader of inventory's stream, the busiest one.
    const leader = (await jsm.streams.info(`${sys.namespace.toUpperCase()}_INVENTORY_EVENTS`)).cluster?.leader;
    const victim = Math.max(0, cluster.nodes.findIndex((n) => n.name === leader));
    mark(`NATS node ${cluster.nodes[victim]!.name} killed`);
    killedAt = Date.now();
    await cluster.kill(victim);
    await sleep(options.phaseMs / 2);
    await restock();
    await sleep(options.phaseMs / 2);
    mark('NATS node back');
    await cluster.restart(victim);
    await recovered(`NATS node ${cluster.nodes[victim]!.name}`, killedAt, Date.now());
    await sleep(options.phaseMs);

    // One replica of every process dies at once.
    mark('first replica of every process killed');
    killedAt = Date.now();
    await Promise.all(PROCESSES.map((name) => sys.system.kill(name, 'SIGKILL')));
    await sleep(options.phaseMs / 2);
    await restock();
    await sleep(options.phaseMs / 2);
    mark('replicas back');
    await Promise.all(PROCESSES.map((name) => sys.system.restart(name)));
    await Promise.all(PROCESSES.map((name) => until(`${name} ready`, () => http('GET', `${sys.url(name)}/health/ready`).then((r) => r.status), (s) => s === 200, 120_000)));
    await recovered('one replica of every process', killedAt, Date.now());
    await sleep(options.phaseMs / 2);
    mark('steady after');
    await restock();
    await sleep(options.phaseMs);
  } finally {
    await load.stop();
  }
  const endedAt = Date.now();
  say(`load stopped: ${load.outcomes.length} commands; checking the invariants`);

  const phases = marks.map((m, i) => {
    const to = marks[i + 1]?.from ?? endedAt;
    const outcomes = load.outcomes.filter((o) => o.sentAt >= m.from && o.sentAt < to);
    const ms = outcomes.filter((o) => o.status > 0 && o.status < 500).map((o) => o.ms);
    return {
      phase: m.phase,
      commands: outcomes.length,
      accepted: outcomes.filter((o) => o.status === 200 || o.status === 202).length,
      failed: outcomes.filter((o) => o.status === 0 || o.status >= 500).length,
      p50Ms: Math.round(percentile(ms, 50)),
      p99Ms: Math.round(percentile(ms, 99)),
      maxMs: Math.round(Math.max(0, ...ms)),
    };
  });
  return { ratePerSecond: options.ratePerSecond, phases, recoveries, invariants: await invariants(sys, jsm, load.outcomes, restocks, subscribers) };
}

async function invariants(
  sys: IsolatedSystem,
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  outcomes: readonly CommandOutcome[],
  restocks: readonly string[],
  subscribers: readonly string[],
): Promise<DrillReport['invariants']> {
  const orderIds = outcomes.filter((o) => o.kind === 'order' && o.status === 202).map((o) => String(o.body?.['orderId']));
  // Every accepted order final (the saga's deadline bounds this).
  const statuses = await until(
    'every accepted order final',
    async () => Promise.all(orderIds.map((id) => http<Order>('GET', `${sys.url('orders')}/orders/${id}`).then((r) => r.body.status))),
    (all) => all.every((s) => s === 'confirmed' || s === 'rejected'),
    180_000,
  ).catch(async () => Promise.all(orderIds.map((id) => http<Order>('GET', `${sys.url('orders')}/orders/${id}`).then((r) => r.body.status))));
  const pool = createPool({ connectionString: process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL, max: 1 });
  let placedTwice = 0;
  try {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT stream_id FROM ${sys.schemaPrefix}_orders.events WHERE type = 'OrderPlaced' GROUP BY stream_id HAVING count(*) > 1) twice`,
    );
    placedTwice = rows[0]!.n;
  } finally {
    await pool.end();
  }
  const skus = [...LOAD_SKUS, ...restocks];
  const truth = await Promise.all(skus.map((sku) => http<Sku>('GET', `${sys.url('inventory')}/skus/${sku}`).then((r) => r.body)));
  const oversold = truth.filter((s) => s.reserved > s.onHand || s.available < 0).map((s) => s.sku);
  const receiptsNotAppliedOnce = LOAD_SKUS.flatMap((sku, i) => {
    const receipts = outcomes.filter((o) => o.kind === 'receipt' && o.subject === sku);
    const accepted = receipts.filter((o) => o.status === 200).length;
    const unknown = receipts.filter((o) => o.status === 0 || o.status >= 500).length;
    const applied = truth[i]!.onHand - STOCK_PER_SKU;
    return applied >= accepted && applied <= accepted + unknown ? [] : [`${sku}: ${applied} applied, ${accepted} accepted, ${unknown} unanswered`];
  });
  const mismatches = async (): Promise<string[]> => {
    const settled = await until(
      'the read model to match inventory',
      async () => Promise.all(skus.map((sku) => http<Sku>('GET', `${sys.url('projections')}/views/stock/${sku}`).then((r) => r.body))),
      (views) => views.every((v, i) => v.onHand === truth[i]!.onHand && v.reserved === truth[i]!.reserved),
      60_000,
    ).catch(async () => Promise.all(skus.map((sku) => http<Sku>('GET', `${sys.url('projections')}/views/stock/${sku}`).then((r) => r.body))));
    return settled.flatMap((v, i) => (v.onHand === truth[i]!.onHand && v.reserved === truth[i]!.reserved ? [] : [`${skus[i]}: view ${v.onHand}/${v.reserved}, inventory ${truth[i]!.onHand}/${truth[i]!.reserved}`]));
  };
  const readModelMismatches = await mismatches();
  const rebuilt = await http('POST', `${sys.url('projections')}/admin/rebuild`);
  const readModelMismatchesAfterRebuild = rebuilt.status === 200 ? await mismatches() : [`rebuild answered ${rebuilt.status}`];
  // Exactly one email and one SMS per subscriber per restock: wait for all, then make sure no second one follows.
  const sent = async (): Promise<Map<string, number>> => {
    const counts = new Map<string, number>();
    const count = (key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const [i, customerId] of subscribers.entries()) {
      const mails = await notificationMails(sys.url('mail-sink'), `${customerId}@drill.example`);
      const texts = await notificationSms(sys.url('sms-sink'), drillPhone(i));
      restocks.forEach((sku, n) => {
        for (const mail of mails) if (mail.subject.startsWith(`${restockName(n)} is back`)) count(`${customerId} ${sku} email`);
        for (const text of texts) if (text.body.includes(`${restockName(n)} is back`)) count(`${customerId} ${sku} sms`);
      });
    }
    return counts;
  };
  const expected = subscribers.flatMap((c) => restocks.flatMap((sku) => [`${c} ${sku} email`, `${c} ${sku} sms`]));
  await until('a notification on each channel for every restock', sent, (c) => expected.every((key) => c.has(key)), 120_000).catch(() => undefined);
  await sleep(3_000);
  const counts = await sent();
  const notificationMisses = expected.flatMap((key) => ((counts.get(key) ?? 0) === 1 ? [] : [`${key}: ${counts.get(key) ?? 0}`]));
  // Nothing left pending or unacknowledged on any durable consumer of the run's streams.
  const pending = async (): Promise<string[]> => {
    const found: string[] = [];
    for await (const stream of jsm.streams.list()) {
      if (!stream.config.name.startsWith(`${sys.namespace.toUpperCase()}_`)) continue;
      for await (const consumer of jsm.consumers.list(stream.config.name)) {
        if (!consumer.config.durable_name) continue;
        if (consumer.num_pending + consumer.num_ack_pending > 0) found.push(`${stream.config.name}/${consumer.name}: ${consumer.num_pending} pending, ${consumer.num_ack_pending} unacked`);
      }
    }
    return found;
  };
  const consumersWithPending = await until('every consumer drained', pending, (p) => p.length === 0, 60_000).catch(pending);
  return {
    ordersAccepted: orderIds.length,
    ordersNotFinal: statuses.filter((s) => s !== 'confirmed' && s !== 'rejected').length,
    ordersPlacedTwice: placedTwice,
    receiptsNotAppliedOnce,
    oversoldSkus: oversold,
    readModelMismatches,
    readModelMismatchesAfterRebuild,
    notificationMisses,
    consumersWithPending,
  };
}

/** The report as Markdown lines (the system test prints it; the bench writes it to a file). */
export function drillReportLines(report: DrillReport): string[] {
  return [
    `| phase | commands | accepted | failed | p50 ms | p99 ms | max ms |`,
    `|---|---:|---:|---:|---:|---:|---:|`,
    ...report.phases.map((p) => `| ${p.phase} | ${p.commands} | ${p.accepted} | ${p.failed} | ${p.p50Ms} | ${p.p99Ms} | ${p.maxMs} |`),
    '',
    ...report.recoveries.map((r) => `- ${r.what}: away ${r.awayMs} ms (kill → back and ready); from then, an order placed was final after ${r.recoveredMs} ms`),
    '',
    `Invariants: ${report.invariants.ordersAccepted} orders accepted, ${report.invariants.ordersNotFinal} not final, ${report.invariants.ordersPlacedTwice} placed twice; receipts not applied once: ${report.invariants.receiptsNotAppliedOnce.length}; oversold SKUs: ${report.invariants.oversoldSkus.length}; read model mismatches ${report.invariants.readModelMismatches.length} (after a rebuild ${report.invariants.readModelMismatchesAfterRebuild.length}); notification misses ${report.invariants.notificationMisses.length}; consumers with anything pending ${report.invariants.consumersWithPending.length}.`,
  ];
}
