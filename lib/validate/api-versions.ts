/**
 * The API groups built into Kubernetes, the kinds their versions serve (Kubernetes 1.33, enabled
 * by default), and the versions removed, from the Kubernetes API reference and the deprecated API
 * migration guide (docs/reference/using-api/deprecation-guide.md).
 */

const SERVED: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  '': {
    v1: [
      'Binding',
      'ComponentStatus',
      'ConfigMap',
      'Endpoints',
      'Event',
      'LimitRange',
      'Namespace',
      'Node',
      'PersistentVolume',
      'PersistentVolumeClaim',
      'Pod',
      'PodTemplate',
      'ReplicationController',
      'ResourceQuota',
      'Secret',
      'Service',
      'ServiceAccount',
    ],
  },
  'admissionregistration.k8s.io': {
    v1: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'],
  },
  'apiextensions.k8s.io': { v1: ['CustomResourceDefinition'] },
  'apiregistration.k8s.io': { v1: ['APIService'] },
  apps: { v1: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'] },
  'authentication.k8s.io': { v1: ['SelfSubjectReview', 'TokenRequest', 'TokenReview'] },
  'authorization.k8s.io': { v1: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'] },
  autoscaling: { v1: ['HorizontalPodAutoscaler', 'Scale'], v2: ['HorizontalPodAutoscaler'] },
  batch: { v1: ['CronJob', 'Job'] },
  'certificates.k8s.io': { v1: ['CertificateSigningRequest'] },
  'coordination.k8s.io': { v1: ['Lease'] },
  'discovery.k8s.io': { v1: ['EndpointSlice'] },
  'events.k8s.io': { v1: ['Event'] },
  'flowcontrol.apiserver.k8s.io': { v1: ['FlowSchema', 'PriorityLevelConfiguration'] },
  'networking.k8s.io': { v1: ['Ingress', 'IngressClass', 'NetworkPolicy', 'IPAddress', 'ServiceCIDR'] },
  'node.k8s.io': { v1: ['RuntimeClass'] },
  policy: { v1: ['Eviction', 'PodDisruptionBudget'] },
  'rbac.authorization.k8s.io': { v1: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'] },
  'resource.k8s.io': { v1beta1: ['DeviceClass', 'ResourceClaim', 'ResourceClaimTemplate', 'ResourceSlice'] },
  'scheduling.k8s.io': { v1: ['PriorityClass'] },
  'storage.k8s.io': {
    v1: ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment'],
    v1beta1: ['VolumeAttributesClass'],
  },
};

interface Removal {
  readonly release: string;
  /** What to do instead: 'use <apiVersion>', or a sentence. */
  readonly replacement: string;
}

/** `replacement` is an apiVersion ('use <it>'), or the whole advice when it contains a space. */
const r = (release: string, replacement: string): Removal => ({
  release,
  replacement: replacement.includes(' ') ? replacement : `use ${replacement}`,
});

/** 'group/version' → kind (or '*' for every kind of that version) → removal. */
const REMOVED: Readonly<Record<string, Readonly<Record<string, Removal>>>> = {
  'extensions/v1beta1': {
    DaemonSet: r('1.16', 'apps/v1'),
    Deployment: r('1.16', 'apps/v1'),
    ReplicaSet: r('1.16', 'apps/v1'),
    NetworkPolicy: r('1.16', 'networking.k8s.io/v1'),
    PodSecurityPolicy: r(
      '1.16',
      'use policy/v1beta1, itself removed in 1.25: Pod Security admission replaces it (pod-security.kubernetes.io labels)',
    ),
    Ingress: r('1.22', 'networking.k8s.io/v1'),
  },
  'apps/v1beta1': { '*': r('1.16', 'apps/v1') },
  'apps/v1beta2': { '*': r('1.16', 'apps/v1') },
  'networking.k8s.io/v1beta1': { Ingress: r('1.22', 'networking.k8s.io/v1'), IngressClass: r('1.22', 'networking.k8s.io/v1') },
  'admissionregistration.k8s.io/v1beta1': {
    MutatingWebhookConfiguration: r('1.22', 'admissionregistration.k8s.io/v1'),
    ValidatingWebhookConfiguration: r('1.22', 'admissionregistration.k8s.io/v1'),
  },
  'apiextensions.k8s.io/v1beta1': { '*': r('1.22', 'apiextensions.k8s.io/v1') },
  'apiregistration.k8s.io/v1beta1': { '*': r('1.22', 'apiregistration.k8s.io/v1') },
  'authentication.k8s.io/v1beta1': { '*': r('1.22', 'authentication.k8s.io/v1') },
  'authorization.k8s.io/v1beta1': { '*': r('1.22', 'authorization.k8s.io/v1') },
  'certificates.k8s.io/v1beta1': { CertificateSigningRequest: r('1.22', 'certificates.k8s.io/v1') },
  'coordination.k8s.io/v1beta1': { '*': r('1.22', 'coordination.k8s.io/v1') },
  'rbac.authorization.k8s.io/v1beta1': { '*': r('1.22', 'rbac.authorization.k8s.io/v1') },
  'rbac.authorization.k8s.io/v1alpha1': { '*': r('1.22', 'rbac.authorization.k8s.io/v1') },
  'scheduling.k8s.io/v1beta1': { '*': r('1.22', 'scheduling.k8s.io/v1') },
  'scheduling.k8s.io/v1alpha1': { '*': r('1.22', 'scheduling.k8s.io/v1') },
  'storage.k8s.io/v1beta1': {
    CSIDriver: r('1.22', 'storage.k8s.io/v1'),
    CSINode: r('1.22', 'storage.k8s.io/v1'),
    StorageClass: r('1.22', 'storage.k8s.io/v1'),
    VolumeAttachment: r('1.22', 'storage.k8s.io/v1'),
    CSIStorageCapacity: r('1.27', 'storage.k8s.io/v1'),
  },
  'batch/v1beta1': { CronJob: r('1.25', 'batch/v1') },
  'batch/v2alpha1': { CronJob: r('1.21', 'batch/v1') },
  'discovery.k8s.io/v1beta1': { EndpointSlice: r('1.25', 'discovery.k8s.io/v1') },
  'events.k8s.io/v1beta1': { Event: r('1.25', 'events.k8s.io/v1') },
  'autoscaling/v2beta1': { HorizontalPodAutoscaler: r('1.25', 'autoscaling/v2') },
  'autoscaling/v2beta2': { HorizontalPodAutoscaler: r('1.26', 'autoscaling/v2') },
  'policy/v1beta1': {
    PodDisruptionBudget: r('1.25', 'policy/v1'),
    PodSecurityPolicy: r(
      '1.25',
      'it has no successor kind: Pod Security admission replaces it (pod-security.kubernetes.io labels on the Namespace)',
    ),
  },
  'node.k8s.io/v1beta1': { RuntimeClass: r('1.25', 'node.k8s.io/v1') },
  'flowcontrol.apiserver.k8s.io/v1beta1': { '*': r('1.26', 'flowcontrol.apiserver.k8s.io/v1') },
  'flowcontrol.apiserver.k8s.io/v1beta2': { '*': r('1.29', 'flowcontrol.apiserver.k8s.io/v1') },
  'flowcontrol.apiserver.k8s.io/v1beta3': { '*': r('1.32', 'flowcontrol.apiserver.k8s.io/v1') },
};

/** What the API versions tables say about an apiVersion/kind. */
export type ApiStatus =
  | { readonly status: 'served' }
  | { readonly status: 'removed'; readonly release: string; readonly replacement: string }
  | { readonly status: 'unknown-kind'; readonly served: readonly string[] }
  | { readonly status: 'unknown-version'; readonly versions: readonly string[] }
  /** Not a built-in group: a custom resource. */
  | { readonly status: 'custom' };

export function isBuiltinGroup(group: string): boolean {
  return Object.prototype.hasOwnProperty.call(SERVED, group) || group === 'extensions';
}

export function apiStatus(group: string, version: string, kind: string): ApiStatus {
  const removed = REMOVED[`${group ? `${group}/` : ''}${version}`];
  const removal = removed?.[kind] ?? removed?.['*'];
  if (removal) return { status: 'removed', ...removal };
  if (!isBuiltinGroup(group)) return { status: 'custom' };
  const versions = SERVED[group] ?? {};
  const kinds = Object.prototype.hasOwnProperty.call(versions, version) ? versions[version] : undefined;
  if (kinds === undefined) return { status: 'unknown-version', versions: Object.keys(versions) };
  if (!kinds.includes(kind)) return { status: 'unknown-kind', served: kinds };
  return { status: 'served' };
}
