// Renders a kustomization the way `kubectl apply -k` would, for the few fields deploy/kubernetes
// uses (`resources`, `namespace`), so that `npm test` needs no kubectl. Any other field is refused
// rather than ignored: a rendering that silently differs from kustomize's would check the wrong thing.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

/** A Kubernetes object as read from YAML. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  readonly [key: string]: unknown;
}

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace']);

/** Kinds that live outside namespaces: the `namespace` field leaves them alone (only those kustomize knows; extend as needed). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass']);

/** Every object of the kustomization in `directory`, in kustomize's order (resources as listed). */
export function renderKustomization(directory: string): KubernetesObject[] {
  const file = join(directory, 'kustomization.yaml');
  const kustomization = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new Error(`${file}: "${field}" is not supported by this renderer (tools/deploy-check/src/kustomize.ts)`);
  }
  if (kustomization['kind'] !== 'Kustomization') throw new Error(`${file}: kind must be Kustomization`);
  const objects: KubernetesObject[] = [];
  for (const resource of (kustomization['resources'] ?? []) as string[]) {
    const path = resolve(directory, resource);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readObjects(path)));
  }
  const namespace = kustomization['namespace'];
  const rendered = typeof namespace === 'string' ? objects.map((o) => (CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace } })) : objects;
  // kustomize refuses two objects with the same identity.
  const seen = new Set<string>();
  for (const o of rendered) {
    const id = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(id)) throw new Error(`${directory}: ${id} is defined twice`);
    seen.add(id);
  }
  return rendered;
}

/** The objects of a multi-document YAML file; empty documents are skipped, as kustomize does. */
export function readObjects(path: string): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  for (const document of parseAllDocuments(readFileSync(path, 'utf8'))) {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
    const value = document.toJS() as KubernetesObject | null;
    if (value === null) continue;
    if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || typeof value.metadata?.name !== 'string') {
      throw new Error(`${path}: every document needs apiVersion, kind and metadata.name`);
    }
    objects.push(value);
  }
  return objects;
}
