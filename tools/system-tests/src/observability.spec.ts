// deploy/observability (ADR 0038): the alert rules are valid and do what they say (promtool's own
// checker and unit tests), the example Prometheus configuration loads, and every metric the rules
// and the Grafana dashboard query is one the processes export — read from the code that registers
// them, so renaming a metric breaks this test.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { lookUpTool, PROMTOOL, systemFacts } from './machine/find-tool.js';
import { workspaceRoot } from './test-system.js';

const DIR = resolve(workspaceRoot, 'deploy/observability');
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

function promtool(args: string[], cwd = DIR): { status: number | null; output: string } {
  const lookup = lookUpTool(PROMTOOL, systemFacts());
  if (lookup.kind !== 'found') throw new Error(lookup.kind === 'missing' ? lookup.line : 'no promtool: run npx nx run system-tests:ensure-test-tools');
  const run = spawnSync(lookup.path, args, { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Every metric the code registers (prom-client `new Counter|Gauge|Histogram|Summary({ name })`), with its kind. */
function exportedMetrics(): Map<string, string> {
  const metrics = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules' || entry === 'dist') continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name:\s*'([a-z0-9_]+)'/g)) metrics.set(match[2]!, match[1]!);
      }
    }
  };
  walk(resolve(workspaceRoot, 'libs'));
  walk(resolve(workspaceRoot, 'apps'));
  return metrics;
}

/** The metric names a PromQL expression reads. */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)].filter((m) => !m[2] && !PROMQL_WORDS.has(m[1]!.toLowerCase())).map((m) => m[1]!);
}

interface RuleFile {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
}
interface Dashboard {
  uid: string;
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

describe('deploy/observability', () => {
  const rules = parse(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as RuleFile;
  const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as Dashboard;

  it('has alert rules promtool accepts, whose unit tests pass', () => {
    const check = promtool(['check', 'rules', 'alerts.yml']);
    expect([check.status, check.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
    const tested = promtool(['test', 'rules', 'alerts.test.yml']);
    expect([tested.status, tested.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('alerts on what an operator must know: process down, consumer lag, dead letters, relay lag, projection lag, failing notifications', () => {
    const alerts = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    expect(alerts).toEqual(
      expect.arrayContaining(['StockflowProcessDown', 'StockflowConsumerLagHigh', 'StockflowDeadLetters', 'StockflowRelayLagHigh', 'StockflowProjectionLagHigh', 'StockflowNotificationFailureRate']),
    );
  });

  it('has an example Prometheus configuration promtool loads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockflow-prometheus-'));
    try {
      copyFileSync(join(DIR, 'prometheus.yml'), join(dir, 'prometheus.yml'));
      copyFileSync(join(DIR, 'alerts.yml'), join(dir, 'alerts.yml'));
      writeFileSync(join(dir, 'metrics-token'), 'a-token-with-the-metrics-scope');
      const check = promtool(['check', 'config', 'prometheus.yml'], dir);
      expect([check.status, check.output]).toEqual([0, expect.stringContaining('is valid prometheus config file syntax')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('queries, in the rules and the dashboard, only metrics the processes export', () => {
    const exported = exportedMetrics();
    expect(exported.size).toBeGreaterThan(20);
    const known = (name: string): boolean => {
      if (name === 'up' || exported.has(name)) return true;
      const base = name.replace(/_(bucket|count|sum)$/, '');
      return base !== name && ['Histogram', 'Summary'].includes(exported.get(base) ?? '');
    };
    const expressions = [
      ...rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr }))),
      ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ where: `panel ${panel.title}`, expr: target.expr }))),
    ];
    const read = expressions.flatMap(({ where, expr }) => metricsIn(expr).map((metric) => ({ where, metric })));
    expect(read.length).toBeGreaterThan(expressions.length - 1);
    expect(read.filter(({ metric }) => !known(metric))).toEqual([]);
    // A self-check of the reader: it sees through functions, matchers and grouping.
    expect(metricsIn('histogram_quantile(0.99, sum by (job, le) (rate(http_server_request_duration_seconds_bucket{status_code=~"5.."}[5m])))')).toEqual(['http_server_request_duration_seconds_bucket']);
  });

  it('has a Grafana dashboard whose every panel queries something', () => {
    expect(dashboard.uid).toBe('stockflow-flow');
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels) expect([panel.title, panel.targets.length > 0 && panel.targets.every((t) => t.expr.trim() !== '')]).toEqual([panel.title, true]);
  });
});
