import { describe, expect, it } from '@jest/globals';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { contextStreamName } from '@stockflow/contracts';
import { BaseServiceConfig, ContextServiceConfig, RelaySettingsConfig, RuntimeModeFields } from '@stockflow/platform';
import { NATS_CONSUMERS } from '@stockflow/system-launcher';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigurationReference, valueProblem } from './configuration-reference.js';
import { deploymentProblems, productionProcesses, type PlatformClasses } from './deployment-checks.js';
import { renderKustomization, type KubernetesObject } from './kustomize.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BASE = 'deploy/kubernetes/base';
const objects = renderKustomization(resolve(root, BASE));
const reference = parseConfigurationReference(readFileSync(resolve(root, 'docs/configuration.md'), 'utf8'));
const platform: PlatformClasses = { RuntimeModeFields, BaseServiceConfig, RelaySettingsConfig, ContextServiceConfig };
const processes = productionProcesses();

/** The schema of each kind the base may hold; a kind missing here fails the test rather than going unchecked. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

const ofKind = (kind: string, list: readonly KubernetesObject[] = objects): KubernetesObject[] => list.filter((o) => o.kind === kind);
const spec = (o: KubernetesObject): Record<string, unknown> => o['spec'] as Record<string, unknown>;
const targetOf = (o: KubernetesObject): string => (spec(o)['scaleTargetRef'] as { name: string }).name;

describe(`${BASE} (kustomize, rendered without kubectl)`, () => {
  it('runs a Deployment per process of npm start, on its port, and no standalone relay', () => {
    expect(processes.map((p) => p.name).sort()).toEqual(['carts', 'dashboard', 'inventory', 'notifications', 'notifier', 'orders', 'projections']);
    const deployed = ofKind('Deployment').map((d) => {
      const container = (spec(d)['template'] as { spec: { containers: { ports: { containerPort: number }[] }[] } }).spec.containers[0]!;
      return { name: d.metadata.name, port: container.ports[0]!.containerPort };
    });
    expect(deployed.sort((a, b) => a.name.localeCompare(b.name))).toEqual(processes.map((p) => ({ name: p.name, port: p.port })).sort((a, b) => a.name.localeCompare(b.name)));
    for (const d of ofKind('Deployment')) expect([d.metadata.name, spec(d)['replicas']]).toEqual([d.metadata.name, d.metadata.name === 'dashboard' ? 1 : 2]);
    expect(objects.every((o) => o.metadata.namespace === 'stockflow')).toBe(true);
  });

  it('is valid against the Kubernetes schemas (kubernetes-models) and KEDA’s (@kubernetes-models/keda)', () => {
    // These schemas check types, required fields and formats, not unknown fields (the API server's
    // strict field validation does): the checks below look for each field that matters.
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect([`${o.apiVersion}/${o.kind}`, Model !== undefined]).toEqual([`${o.apiVersion}/${o.kind}`, true]);
      expect(() => new Model!(o as never).validate()).not.toThrow();
    }
  });

  describe.each(processes.map((p) => p.name))('%s', (process) => {
    it('is hardened, probed, reachable and disruption-safe, and its environment is one its configuration accepts in production', () => {
      expect(deploymentProblems(process, objects, reference, platform)).toEqual([]);
    });
  });

  it('autoscales the HTTP services on CPU, and the notifier on its JetStream consumer lag with KEDA', () => {
    const hpas = ofKind('HorizontalPodAutoscaler');
    expect(hpas.map(targetOf).sort()).toEqual(['carts', 'inventory', 'notifications', 'orders', 'projections']);
    for (const hpa of hpas) {
      expect(spec(hpa)['minReplicas']).toBeGreaterThanOrEqual(2);
      expect(spec(hpa)['metrics']).toContainEqual(expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }));
    }
    // The CRD leaves a trigger's metadata free-form (a map of strings), so the schema above cannot
    // see a missing or misspelled key of the nats-jetstream scaler: checked here, against the
    // notifier's real durable consumer.
    const [scaledObject, ...more] = ofKind('ScaledObject');
    expect(more).toEqual([]);
    expect(targetOf(scaledObject!)).toBe('notifier');
    expect(spec(scaledObject!)['minReplicaCount']).toBeGreaterThanOrEqual(2);
    const triggers = spec(scaledObject!)['triggers'] as { type: string; metadata: Record<string, string> }[];
    const jetstream = triggers.find((t) => t.type === 'nats-jetstream');
    const [consumer] = NATS_CONSUMERS['notifier'] ?? [];
    expect(jetstream?.metadata).toEqual(
      expect.objectContaining({ natsServerMonitoringEndpoint: expect.stringMatching(/^[a-z0-9.-]+:\d+$/), account: '$G', stream: contextStreamName(consumer!.sourceContext), consumer: consumer!.durable }),
    );
    expect(jetstream?.metadata['lagThreshold']).toMatch(/^[1-9]\d*$/);
  });

  it('holds placeholders only in its Secrets', () => {
    for (const secret of ofKind('Secret')) {
      // stringData only: base64 `data` would hide what is committed.
      expect([secret.metadata.name, secret['data']]).toEqual([secret.metadata.name, undefined]);
      for (const [key, value] of Object.entries(secret['stringData'] as Record<string, string>)) expect(`${secret.metadata.name}/${key}: ${value}`).toMatch(/: REPLACE_ME/);
    }
  });

  it('shares one NATS cluster of three servers, whose streams keep three replicas', () => {
    const shared = ofKind('ConfigMap').find((c) => c.metadata.name === 'stockflow-shared')!['data'] as Record<string, string>;
    expect(shared['NATS_URL']!.split(',')).toHaveLength(3);
    expect(shared['NATS_STREAM_REPLICAS']).toBe('3');
  });
});

describe('the checks', () => {
  const broken = (process: string, damage: (list: KubernetesObject[]) => void): string[] => {
    const list = structuredClone(objects) as KubernetesObject[];
    damage(list);
    return deploymentProblems(process, list, reference, platform);
  };
  /** The fields of a Deployment the cases below damage. */
  interface DeploymentShape {
    spec: { replicas: unknown; template: { spec: { containers: ContainerShape[] } } };
  }
  interface ContainerShape {
    env: { name: string; value?: string; valueFrom?: unknown }[];
    ports: { containerPort: number }[];
    readinessProbe: { httpGet: { path: string } };
    securityContext: { readOnlyRootFilesystem?: boolean };
  }
  const deployment = (list: KubernetesObject[], name: string): DeploymentShape => list.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as unknown as DeploymentShape;
  const container = (list: KubernetesObject[], name: string): ContainerShape => deployment(list, name).spec.template.spec.containers[0]!;
  const shared = (list: KubernetesObject[]): Record<string, string> => list.find((o) => o.metadata.name === 'stockflow-shared')!['data'] as Record<string, string>;
  const setEnv = (list: KubernetesObject[], name: string, variable: string, value: string): void => {
    const env = container(list, name).env;
    const index = env.findIndex((e) => e.name === variable);
    if (index < 0) env.push({ name: variable, value });
    else env[index] = { name: variable, value };
  };

  const dropEnv = (list: KubernetesObject[], name: string, variable: string): void => {
    const env = container(list, name).env;
    const index = env.findIndex((e) => e.name === variable);
    if (index < 0) throw new Error(`${name} sets no ${variable}`);
    env.splice(index, 1);
  };

  it('find a real defect in a Deployment, its neighbours or its environment', () => {
    const cases: [string, (list: KubernetesObject[]) => void, RegExp][] = [
      ['orders', (l) => (container(l, 'orders').readinessProbe.httpGet.path = '/health'), /readinessProbe must GET \/health\/ready/],
      ['orders', (l) => (container(l, 'orders').ports[0]!.containerPort = 3011), /PORT \(3001\) must be the container port \(3011\)/],
      ['orders', (l) => delete container(l, 'orders').securityContext.readOnlyRootFilesystem, /root filesystem is writable/],
      ['orders', (l) => l.splice(l.findIndex((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'orders'), 1), /PodDisruptionBudget/],
      ['orders', (l) => l.splice(l.findIndex((o) => o.kind === 'Service' && o.metadata.name === 'orders'), 1), /no Service selects its pods/],
      ['orders', (l) => (shared(l)['NATS_URLS'] = shared(l)['NATS_URL']!), /sets NATS_URLS, which OrdersConfig does not read/],
      ['orders', (l) => (shared(l)['STOCKFLOW_ENV'] = 'development'), /STOCKFLOW_ENV must be production/],
      ['orders', (l) => delete shared(l)['AUTH_ISSUER'], /AUTH_ISSUER must be the OpenID Provider's issuer URL/],
      ['orders', (l) => (shared(l)['NATS_URL'] = 'http://nats:4222'), /NATS_URL must be a comma-separated list of nats:\/\//],
      ['orders', (l) => setEnv(l, 'orders', 'SAGA_TIMEOUT_MS', '0'), /SAGA_TIMEOUT_MS must be an integer from 1/],
      ['orders', (l) => dropEnv(l, 'orders', 'REDIS_URL'), /REDIS_URL must be set/],
      ['orders', (l) => setEnv(l, 'orders', 'NATS_PASSWORD', 'p'.repeat(20)), /NATS_PASSWORD is a secret but does not come from a Secret/],
      ['orders', (l) => setEnv(l, 'orders', 'NATS_USER', 'inventory'), /NATS_USER must be orders/],
      ['notifier', (l) => dropEnv(l, 'notifier', 'UNSUBSCRIBE_SECRET'), /UNSUBSCRIBE_SECRET must be set: its default is a development secret/],
      ['notifier', (l) => setEnv(l, 'notifier', 'INVENTORY_URL', 'http://inventory:3020'), /INVENTORY_URL names inventory:3020, which no Service answers/],
      ['notifier', (l) => setEnv(l, 'notifier', 'SMTP_TLS', 'on'), /SMTP_TLS must be one of/],
      ['notifier', (l) => dropEnv(l, 'notifier', 'SMTP_HOST'), /SMTP_HOST must be set: its default .* is the pod itself/],
      ['dashboard', (l) => setEnv(l, 'dashboard', 'METRICS_TARGETS', '{"orders":"http://orders:3001"}'), /METRICS_TARGETS must name carts, /],
      ['dashboard', (l) => setEnv(l, 'dashboard', 'PROJECTIONS_URL', 'http://127.0.0.1:3005'), /PROJECTIONS_URL names the loopback address/],
    ];
    for (const [process, damage, expected] of cases) expect([String(expected), broken(process, damage).join('\n')]).toEqual([String(expected), expect.stringMatching(expected)]);
  });

  it('find a schema violation and a value the reference rules out', () => {
    const list = structuredClone(objects) as KubernetesObject[];
    deployment(list, 'orders').spec.replicas = '2';
    expect(() => new Deployment(deployment(list, 'orders') as never).validate()).toThrow(/replicas must be integer/);
    expect(valueProblem('an integer from 1 to 64', '65')).toMatch(/must be an integer from 1 to 64/);
    expect(valueProblem('a http:// or https:// URL', 'ftp://x')).toMatch(/must be/);
    expect(valueProblem('a JSON object of process names to base URLs', '[]')).toMatch(/must be/);
    expect(valueProblem('`true` or `false`', 'yes')).toMatch(/must be/);
  });
});
