/**
 * The order a deployment registers objects in, worked out from the objects alone (no Pulumi):
 * Namespaces and CustomResourceDefinitions first; built-in kinds after the Namespaces; routes
 * (Ingress, every Gateway API kind) and custom resources after the Namespaces, the CRDs and the
 * cluster prerequisites (Gateway API CRDs, a controller release); HTTPRoutes, GRPCRoutes and the
 * other attached routes after the Gateways of the set; an Argo CD Application after everything
 * else it syncs.
 */
import type { K8sObject } from '../synth';
import { objectKey as keyOf } from '../validate/types';

/** How an object is ordered. */
export type ObjectRole = 'namespace' | 'crd' | 'builtin' | 'route' | 'custom' | 'application';

/** One object as the deployment registers it. */
export interface OrderedObject {
  /** 'Kind/namespace/name' ('' for a cluster-scoped object's namespace). */
  readonly key: string;
  readonly object: K8sObject;
  readonly role: ObjectRole;
  /** Keys of the objects (registered before this one) it waits for. */
  readonly dependsOn: readonly string[];
  /** Whether it also waits for the cluster prerequisites (CRDs installed from outside the tree, a controller release). */
  readonly afterPrerequisites: boolean;
}

/** API groups served by Kubernetes itself (every other group is a custom resource, installed by a CRD). */
const KUBERNETES_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'apiextensions.k8s.io',
  'admissionregistration.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'certificates.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
]);

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** The API group of an apiVersion ('' for the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Whether Kubernetes serves the kind itself (a typed Pulumi class exists for it). */
export function isBuiltinKind(obj: Pick<K8sObject, 'apiVersion'>): boolean {
  return KUBERNETES_GROUPS.has(apiGroup(obj.apiVersion));
}

/** `Kind/namespace/name` ('' for no namespace): the gate's key of an object, unique per object of a deployment. */
export function keyOfObject(obj: K8sObject): string {
  return keyOf(obj.kind, obj.metadata.namespace, obj.metadata.name);
}

/** The role that decides an object's place in the order. */
export function roleOf(obj: K8sObject): ObjectRole {
  const group = apiGroup(obj.apiVersion);
  if (group === '' && obj.kind === 'Namespace') return 'namespace';
  if (group === 'apiextensions.k8s.io' && obj.kind === 'CustomResourceDefinition') return 'crd';
  if ((group === 'networking.k8s.io' && obj.kind === 'Ingress') || group === GATEWAY_GROUP) return 'route';
  if (group === 'argoproj.io' && obj.kind === 'Application') return 'application';
  return KUBERNETES_GROUPS.has(group) ? 'builtin' : 'custom';
}

/** Route kinds that attach to a Gateway through parentRefs. */
function attachesToGateway(obj: K8sObject): boolean {
  return apiGroup(obj.apiVersion) === GATEWAY_GROUP && obj.kind !== 'Gateway' && obj.kind !== 'GatewayClass';
}

/** Namespaces, CRDs, most objects, routes that attach to a Gateway (after the Gateways), Argo CD Applications. */
function rank(obj: K8sObject, role: ObjectRole): number {
  if (role === 'namespace') return 0;
  if (role === 'crd') return 1;
  if (role === 'application') return 4;
  return attachesToGateway(obj) ? 3 : 2;
}

/**
 * The objects in registration order (stable within a rank: synthesis order) with what each
 * waits for. Every key in `dependsOn` belongs to an object earlier in the list.
 */
export function orderObjects(objects: readonly K8sObject[]): OrderedObject[] {
  const withRole = objects.map((object, index) => {
    const role = roleOf(object);
    return { object, index, role, rank: rank(object, role), key: keyOfObject(object) };
  });
  withRole.sort((a, b) => a.rank - b.rank || a.index - b.index);
  const keysOf = (role: ObjectRole) => withRole.filter((o) => o.role === role).map((o) => o.key);
  const namespaces = keysOf('namespace');
  const crds = keysOf('crd');
  const gateways = withRole.filter((o) => o.object.kind === 'Gateway' && apiGroup(o.object.apiVersion) === GATEWAY_GROUP);
  const synced = withRole.filter((o) => o.role !== 'application').map((o) => o.key);
  return withRole.map(({ object, role, key }): OrderedObject => {
    switch (role) {
      case 'namespace':
      case 'crd':
        return { key, object, role, dependsOn: [], afterPrerequisites: false };
      case 'builtin':
        return { key, object, role, dependsOn: namespaces, afterPrerequisites: false };
      case 'application':
        // Argo CD syncs the same objects: it starts once they exist.
        return { key, object, role, dependsOn: synced, afterPrerequisites: true };
      default: {
        const parents = attachesToGateway(object) ? gateways.map((g) => g.key) : [];
        return { key, object, role, dependsOn: [...namespaces, ...crds, ...parents], afterPrerequisites: true };
      }
    }
  });
}
