// What a rendered Deployment must get right to run a stockflow process in production: its pod
// (probes, resources, non-root, read-only root), what surrounds it (Service, PodDisruptionBudget,
// autoscaler) and the environment its container would see, checked with the platform's own loader
// for the platform's variables and with docs/configuration.md for the app's (a tool may not import
// apps). Each check returns problems in words, so a spec can show them all at once.
import { randomBytes } from 'node:crypto';
import { ConfigError, declaredVariables, describeIssue, isSecretVariable, loadConfig, refuseOpenAccessOutsideDevelopment } from '@stockflow/platform';
import { databaseRoles, natsUsers, systemManifest } from '@stockflow/system-launcher';
import { classChainOf, literalOf, valueProblem, type DocumentedClass, type DocumentedVariable } from './configuration-reference.js';
import type { KubernetesObject } from './kustomize.js';

type Json = Record<string, unknown>;
type ConfigClass = abstract new () => object;

/** The platform's configuration classes, at run time: each app class in the reference extends one of them. */
export type PlatformClasses = Readonly<Record<string, ConfigClass>>;

/** The development stand-ins `npm start` runs for the identity, mail and SMS providers: production uses real ones. */
export const DEVELOPMENT_STAND_INS: readonly string[] = ['identity', 'mail-sink', 'sms-sink'];

/**
 * Variables `npm start` sets that a Deployment may leave to the class's default: DB_SCHEMA (npm start
 * sets it for the tests' schema prefixes; the default is the production schema) and
 * RATE_LIMIT_KEY_PREFIX (npm start separates test runs sharing one Redis).
 */
const NPM_START_ONLY: readonly string[] = ['DB_SCHEMA', 'RATE_LIMIT_KEY_PREFIX'];

/** The processes `npm start` runs as production runs them (in-process relays), with their ports and environment. */
export function productionProcesses(): { name: string; port: number; env: Readonly<Record<string, string>> }[] {
  const manifest = systemManifest({
    databaseUrl: 'postgres://stockflow@db.test:5432/stockflow',
    natsUrl: 'nats://nats.test:4222',
    stockflowEnv: 'production',
    redisUrl: 'redis://redis.test:6379',
    clientSecrets: { dashboard: 'x'.repeat(32), notifier: 'x'.repeat(32) },
  });
  return manifest.filter((p) => !DEVELOPMENT_STAND_INS.includes(p.name)).map((p) => ({ name: p.name, port: p.port, env: p.env }));
}

const byKind = (objects: readonly KubernetesObject[], kind: string): KubernetesObject[] => objects.filter((o) => o.kind === kind);
const named = (objects: readonly KubernetesObject[], kind: string, name: string): KubernetesObject | undefined => byKind(objects, kind).find((o) => o.metadata.name === name);
const get = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined), value);
/** Whether every label of `selector` is on `labels` (and there is at least one). */
const selects = (selector: unknown, labels: unknown): boolean =>
  !!selector && typeof selector === 'object' && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => get(labels, k) === v);

/** The container's environment as Kubernetes would assemble it, secrets replaced by valid test values. */
export interface ContainerEnvironment {
  readonly values: Record<string, string>;
  /** Variables whose value comes from a Secret. */
  readonly fromSecret: ReadonlySet<string>;
  readonly problems: readonly string[];
}

/** A syntactically valid stand-in for a secret's value: the committed ones are placeholders. */
export function testSecretValue(variable: string, expected: string | undefined): string {
  const token = randomBytes(30).toString('base64url');
  if (expected?.includes('postgres://')) return `postgres://stockflow:${token}@db.test:5432/stockflow`;
  if (expected?.includes('redis://')) return `rediss://:${token}@redis.test:6379`;
  if (variable === 'SMS_PROVIDERS') {
    return JSON.stringify([{ name: 'primary', baseUrl: 'https://sms.test', accountSid: 'ACtest', authToken: token, from: '+15005550006', ratePerSecond: 50 }]);
  }
  return token;
}

/** envFrom, then env (which wins), as the kubelet does; `expectedOf` says what a secret's test value must look like. */
export function environmentOf(container: Json, objects: readonly KubernetesObject[], expectedOf: (variable: string) => string | undefined): ContainerEnvironment {
  const values: Record<string, string> = {};
  const fromSecret = new Set<string>();
  const problems: string[] = [];
  const secretKeys = (name: string): Record<string, unknown> | undefined => {
    const secret = named(objects, 'Secret', name);
    return secret ? { ...(secret['data'] as Json | undefined), ...(secret['stringData'] as Json | undefined) } : undefined;
  };
  const setFromSecret = (variable: string): void => {
    values[variable] = testSecretValue(variable, expectedOf(variable));
    fromSecret.add(variable);
  };
  for (const source of (container['envFrom'] ?? []) as Json[]) {
    const prefix = (source['prefix'] as string | undefined) ?? '';
    const configMapName = get(source, 'configMapRef', 'name') as string | undefined;
    const secretName = get(source, 'secretRef', 'name') as string | undefined;
    if (configMapName) {
      const data = get(named(objects, 'ConfigMap', configMapName), 'data') as Record<string, string> | undefined;
      if (!data) problems.push(`envFrom names the ConfigMap ${configMapName}, which is not in the base`);
      for (const [key, value] of Object.entries(data ?? {})) {
        values[prefix + key] = value;
        fromSecret.delete(prefix + key);
      }
    } else if (secretName) {
      const keys = secretKeys(secretName);
      if (!keys) problems.push(`envFrom names the Secret ${secretName}, which is not in the base`);
      for (const key of Object.keys(keys ?? {})) setFromSecret(prefix + key);
    }
  }
  const seen = new Set<string>();
  for (const entry of (container['env'] ?? []) as Json[]) {
    const variable = entry['name'] as string;
    if (seen.has(variable)) problems.push(`env lists ${variable} twice`);
    seen.add(variable);
    const secretRef = get(entry, 'valueFrom', 'secretKeyRef') as { name: string; key: string } | undefined;
    const configMapRef = get(entry, 'valueFrom', 'configMapKeyRef') as { name: string; key: string } | undefined;
    if (secretRef) {
      if (!(secretKeys(secretRef.name) ?? {})[secretRef.key]) problems.push(`${variable} comes from the Secret ${secretRef.name}, which has no key ${secretRef.key}`);
      setFromSecret(variable);
    } else if (configMapRef) {
      const value = get(named(objects, 'ConfigMap', configMapRef.name), 'data', configMapRef.key);
      if (typeof value !== 'string') problems.push(`${variable} comes from the ConfigMap ${configMapRef.name}, which has no key ${configMapRef.key}`);
      values[variable] = String(value ?? '');
      fromSecret.delete(variable);
    } else if (typeof entry['value'] === 'string') {
      // Kubernetes would expand $(VAR) here; nothing in the base uses it, so nothing here models it.
      if (entry['value'].includes('$(')) problems.push(`${variable} uses $(…) expansion, which this check does not model`);
      values[variable] = entry['value'];
      fromSecret.delete(variable);
    } else {
      problems.push(`${variable} has neither a string value nor a Secret or ConfigMap key`);
    }
  }
  return { values, fromSecret, problems };
}

/** The process's configuration: the reference's app classes above the platform class they extend. */
interface ProcessConfiguration {
  readonly appClasses: readonly DocumentedClass[];
  readonly platformName: string;
  readonly platformClass: ConfigClass;
  /** Every variable the process reads. */
  readonly known: ReadonlySet<string>;
  readonly documented: ReadonlyMap<string, DocumentedVariable>;
}

function configurationOf(process: string, reference: ReadonlyMap<string, DocumentedClass>, platform: PlatformClasses): ProcessConfiguration {
  const chain = classChainOf(reference, process);
  const index = chain.findIndex((c) => platform[c.name] !== undefined);
  if (index < 0) throw new Error(`${chain[0]!.name} extends none of the platform classes ${Object.keys(platform).join(', ')}`);
  const appClasses = chain.slice(0, index);
  const platformClass = platform[chain[index]!.name]!;
  const documented = new Map<string, DocumentedVariable>();
  // Nearest class first: its row wins (an app may redeclare a platform variable, as the dashboard does).
  for (const c of [...chain].reverse()) for (const v of c.variables) documented.set(v.name, v);
  const known = new Set([...declaredVariables(platformClass), ...appClasses.flatMap((c) => c.variables.map((v) => v.name))]);
  return { appClasses, platformName: chain[index]!.name, platformClass, known, documented };
}

const urlOf = (text: string): URL | null => {
  try {
    return new URL(text);
  } catch {
    return null;
  }
};

const LOOPBACK = /\b(127\.0\.0\.1|localhost)\b|\[::1\]/;

/** Everything wrong with the Deployment of `process` and what surrounds it; empty when nothing is. */
export function deploymentProblems(process: string, objects: readonly KubernetesObject[], reference: ReadonlyMap<string, DocumentedClass>, platform: PlatformClasses): string[] {
  const deployment = named(objects, 'Deployment', process);
  if (!deployment) return [`no Deployment ${process}`];
  const pod = get(deployment, 'spec', 'template', 'spec') as Json;
  const containers = (pod['containers'] ?? []) as Json[];
  const container = containers.find((c) => c['name'] === process);
  if (containers.length !== 1 || !container) return [`the pod must run one container named ${process}`];
  return [
    ...podProblems(deployment, container),
    ...surroundingProblems(deployment, container, objects),
    ...environmentProblems(process, container, objects, configurationOf(process, reference, platform)),
  ];
}

/** The container port and whether a probe's or Service's port (a number or the port's name) is it. */
function portOf(container: Json): { containerPort: number | undefined; isContainerPort: (port: unknown) => boolean } {
  const ports = (container['ports'] ?? []) as Json[];
  const containerPort = ports.length === 1 ? (ports[0]!['containerPort'] as number) : undefined;
  return { containerPort, isContainerPort: (port) => containerPort !== undefined && (port === containerPort || (typeof port === 'string' && port === ports[0]!['name'])) };
}

/** Its pod: hardening, resources, the one port and the probes on it. */
function podProblems(deployment: KubernetesObject, container: Json): string[] {
  const problems: string[] = [];
  const spec = deployment['spec'] as Json;
  const pod = get(spec, 'template', 'spec') as Json;
  if (!selects(get(spec, 'selector', 'matchLabels'), get(spec, 'template', 'metadata', 'labels'))) problems.push("the Deployment's selector does not select its own pods");
  if (((pod['terminationGracePeriodSeconds'] as number | undefined) ?? 30) < 30) problems.push('terminationGracePeriodSeconds is too short to drain consumers (at least 30)');
  if (get(pod, 'securityContext', 'runAsNonRoot') !== true) problems.push('the pod does not set runAsNonRoot');
  // The image's user is a name ("node"): the kubelet can only check runAsNonRoot against a number.
  if (!((get(pod, 'securityContext', 'runAsUser') as number) > 0)) problems.push('the pod sets no non-zero runAsUser');
  const hardening = container['securityContext'];
  if (get(hardening, 'allowPrivilegeEscalation') !== false) problems.push('the container allows privilege escalation');
  if (get(hardening, 'readOnlyRootFilesystem') !== true) problems.push("the container's root filesystem is writable");
  if (!((get(hardening, 'capabilities', 'drop') ?? []) as string[]).includes('ALL')) problems.push('the container keeps its capabilities (drop ALL)');
  for (const [kind, resource] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'cpu'], ['limits', 'memory']] as const) {
    if (get(container, 'resources', kind, resource) === undefined) problems.push(`the container has no resources.${kind}.${resource}`);
  }
  const { containerPort, isContainerPort } = portOf(container);
  if (containerPort === undefined) problems.push('the container must declare exactly one port');
  for (const [probe, path] of [['readinessProbe', '/health/ready'], ['livenessProbe', '/health/live']] as const) {
    if (get(container, probe, 'httpGet', 'path') !== path) problems.push(`${probe} must GET ${path}`);
    if (!isContainerPort(get(container, probe, 'httpGet', 'port'))) problems.push(`${probe} must probe the container port`);
  }
  return problems;
}

/** Its Service and PodDisruptionBudget. */
function surroundingProblems(deployment: KubernetesObject, container: Json, objects: readonly KubernetesObject[]): string[] {
  const problems: string[] = [];
  const podLabels = get(deployment, 'spec', 'template', 'metadata', 'labels');
  const replicas = (get(deployment, 'spec', 'replicas') as number | undefined) ?? 1;
  const { isContainerPort } = portOf(container);
  const services = byKind(objects, 'Service').filter((s) => selects(get(s, 'spec', 'selector'), podLabels));
  if (services.length === 0) problems.push('no Service selects its pods');
  for (const service of services) {
    const others = byKind(objects, 'Deployment').filter((d) => d !== deployment && selects(get(service, 'spec', 'selector'), get(d, 'spec', 'template', 'metadata', 'labels')));
    if (others.length > 0) problems.push(`the Service ${service.metadata.name} also selects the pods of ${others.map((d) => d.metadata.name).join(', ')}`);
    if (!((get(service, 'spec', 'ports') ?? []) as Json[]).some((p) => isContainerPort(p['targetPort'] ?? p['port']))) problems.push(`the Service ${service.metadata.name} does not reach the container port`);
  }
  if (replicas > 1) {
    const budgets = byKind(objects, 'PodDisruptionBudget').filter((b) => selects(get(b, 'spec', 'selector', 'matchLabels'), podLabels));
    if (budgets.length !== 1) problems.push(`${replicas} replicas need one PodDisruptionBudget (minAvailable 1)`);
    else if (get(budgets[0], 'spec', 'minAvailable') !== 1) problems.push('its PodDisruptionBudget must keep minAvailable 1');
  }
  return problems;
}

/** The environment the container would get, as its process would read it in production. */
function environmentProblems(process: string, container: Json, objects: readonly KubernetesObject[], configuration: ProcessConfiguration): string[] {
  const problems: string[] = [];
  const { known, documented, appClasses, platformClass } = configuration;
  const { containerPort } = portOf(container);
  const environment = environmentOf(container, objects, (variable) => documented.get(variable)?.expected);
  problems.push(...environment.problems);
  const env = environment.values;
  const isSecret = (variable: string): boolean => isSecretVariable(platformClass, variable) || documented.get(variable)?.secret === true;
  for (const variable of Object.keys(env)) {
    const base = variable.endsWith('_FILE') ? variable.slice(0, -'_FILE'.length) : variable;
    // A typo would be ignored by the process and its default used: refuse what it does not read.
    if (!known.has(variable) && !known.has(base)) problems.push(`sets ${variable}, which ${appClasses[0]?.name ?? configuration.platformName} does not read`);
    if (isSecret(variable) && !environment.fromSecret.has(variable)) problems.push(`${variable} is a secret but does not come from a Secret`);
    if (!environment.fromSecret.has(variable) && LOOPBACK.test(env[variable]!)) problems.push(`${variable} names the loopback address, which is the pod itself`);
  }
  const defaults: Record<string, string> = {};
  for (const c of [...appClasses].reverse()) for (const [variable, value] of c.ownDefaults) if (literalOf(value) !== null) defaults[variable] = literalOf(value)!;
  // The platform's variables: its real loader, with the app class's own defaults.
  try {
    const loaded = loadConfig(platformClass as new () => object, { ...defaults, ...env }, { service: process });
    // The dashboard's AUTH_ISSUER is its own class's, not the platform class's.
    refuseOpenAccessOutsideDevelopment(process, { ...loaded, AUTH_ISSUER: (loaded as { AUTH_ISSUER?: string }).AUTH_ISSUER ?? env['AUTH_ISSUER'] });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.issues.map(describeIssue));
  }
  // The app's own variables: as the reference describes them.
  for (const c of appClasses) {
    for (const v of c.variables) {
      const value = env[v.name];
      if (value === undefined) {
        if (v.required && defaults[v.name] === undefined) problems.push(`${v.name} must be set (${c.name} requires it)`);
      } else if (!environment.fromSecret.has(v.name)) {
        const problem = valueProblem(v.expected, value);
        if (problem) problems.push(`${v.name} ${problem}`);
      }
    }
  }
  for (const v of documented.values()) {
    if (!known.has(v.name) || env[v.name] !== undefined) continue;
    // ADR 0027: outside development a process refuses the secrets that ship with the code.
    if (v.secret && v.defaultValue !== null) problems.push(`${v.name} must be set: its default is a development secret`);
    if (v.defaultValue !== null && LOOPBACK.test(v.defaultValue) && defaults[v.name] === undefined) problems.push(`${v.name} must be set: its default (${v.defaultValue}) is the pod itself`);
  }

  // Production.
  if (env['STOCKFLOW_ENV'] !== 'production') problems.push(`STOCKFLOW_ENV must be production (got ${JSON.stringify(env['STOCKFLOW_ENV'])})`);
  if (known.has('REDIS_URL') && env['NODE_ENV'] === 'production' && !env['REDIS_URL']) problems.push('REDIS_URL must be set: with NODE_ENV=production a service refuses to start without shared rate limits');
  if (!!env['AUTH_CLIENT_ID'] !== !!env['AUTH_CLIENT_SECRET']) problems.push('AUTH_CLIENT_ID and AUTH_CLIENT_SECRET go together');
  if (env['PORT'] !== String(containerPort)) problems.push(`PORT (${env['PORT']}) must be the container port (${containerPort})`);
  if (env['RELAY_IN_PROCESS'] === 'false') problems.push('RELAY_IN_PROCESS=false, but the base runs no standalone relay');
  if (known.has('NATS_USER')) {
    if (env['NATS_USER'] !== process) problems.push(`NATS_USER must be ${process}, its own user (ADR 0020)`);
    if (!natsUsers().some((u) => u.user === process)) problems.push(`deploy/nats has no NATS user ${process}`);
    if (!environment.fromSecret.has('NATS_PASSWORD')) problems.push('NATS_PASSWORD must come from a Secret');
  }
  const role = databaseRoles().find((r) => r.processes.includes(process))?.role;
  const databaseRef = ((container['env'] ?? []) as Json[]).find((e) => e['name'] === 'DATABASE_URL');
  const databaseSecret = get(databaseRef, 'valueFrom', 'secretKeyRef') as { name: string; key: string } | undefined;
  if (role && databaseSecret) {
    const placeholder = String(get(named(objects, 'Secret', databaseSecret.name), 'stringData', databaseSecret.key) ?? '');
    if (!placeholder.includes(role)) problems.push(`the DATABASE_URL placeholder should name the role ${role}`);
  }
  // In-cluster URLs (a host without dots) must name a Service on that port.
  for (const [variable, value] of Object.entries(env)) {
    if (environment.fromSecret.has(variable)) continue;
    for (const match of value.matchAll(/https?:\/\/[^\s",}]+/g)) {
      const url = urlOf(match[0]);
      if (!url || url.hostname.includes('.')) continue;
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      const service = named(objects, 'Service', url.hostname);
      if (!service || !((get(service, 'spec', 'ports') ?? []) as Json[]).some((p) => p['port'] === port)) problems.push(`${variable} names ${url.host}, which no Service answers`);
    }
  }
  // What npm start gives the process, production needs too (unless the default is right here).
  const started = productionProcesses().find((p) => p.name === process);
  for (const variable of Object.keys(started?.env ?? {})) {
    if (known.has(variable) && env[variable] === undefined && !NPM_START_ONLY.includes(variable)) problems.push(`${variable} is set by npm start (libs/system-launcher/src/system-manifest.ts) but not here`);
  }
  if (started?.env['METRICS_TARGETS'] && env['METRICS_TARGETS']) {
    const names = (json: string): string => {
      try {
        return Object.keys(JSON.parse(json) as object).sort().join(', ');
      } catch {
        return '(not JSON)';
      }
    };
    if (names(env['METRICS_TARGETS']) !== names(started.env['METRICS_TARGETS'])) problems.push(`METRICS_TARGETS must name ${names(started.env['METRICS_TARGETS'])}`);
  }
  return problems;
}
