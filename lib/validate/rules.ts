/** The rule catalogue of the validation gate: one entry per rule id. */
import { API_RULES } from './apiserver/catalogue';
import { ROUTE_RULES } from './route-rules';

export type Severity = 'error' | 'warning';

export interface RuleInfo {
  /** Stable id, e.g. 'pss/seccomp'; used in findings and waivers. */
  readonly id: string;
  /** Severity of a finding (a few rules depend on the environment, noted in `what`). */
  readonly severity: Severity;
  /** What the rule checks, in one line. */
  readonly what: string;
  /** Generic advice on how to fix a finding. */
  readonly fix: string;
  /** Where the rule comes from (the Kubernetes Go file and function it ports, or the tool that refuses the input). */
  readonly source?: string;
}

const rules = [
  // schema: what kubernetes-models / Argo CD schemas check, and what the API server rejects beyond them
  {
    id: 'schema/object',
    severity: 'error',
    what: 'every document is an object with apiVersion, kind and metadata.name',
    fix: 'give every document apiVersion, kind and metadata.name',
  },
  {
    id: 'schema/openapi',
    severity: 'error',
    what: 'the object passes the Kubernetes OpenAPI schema (kubernetes-models) or the Argo CD CRD schema (@kubernetes-models/argo-cd)',
    fix: 'correct the field named in the message (kubectl explain <kind>.<field> shows the expected type)',
  },
  {
    id: 'schema/unknown-kind',
    severity: 'warning',
    what: 'the apiVersion/kind has a schema known to the gate (warning: CRDs are not schema-checked)',
    fix: 'check the apiVersion and kind spelling; for a CRD, waive the rule with a reason',
  },
  {
    id: 'schema/name',
    severity: 'error',
    what: 'metadata.name and metadata.namespace are valid names for the kind: DNS-1123 subdomains, labels for Namespaces, DNS-1035 labels (starting with a letter) for Services, at most 63 characters for Jobs and 52 for CronJobs',
    fix: "use lower-case letters, digits and '-' (and '.' where subdomains are allowed), starting and ending with a letter or digit",
    source:
      'kubernetes pkg/apis/core/validation/validation.go: ValidateObjectMeta, ValidateServiceName (NameIsDNS1035Label), ValidateNamespaceName; batch ValidateCronJobCreate',
  },
  {
    id: 'schema/labels',
    severity: 'error',
    what: 'label keys and values (metadata, pod templates, matchLabels) are valid: values at most 63 characters of [A-Za-z0-9-_.]',
    fix: "shorten the label value to 63 characters and use only letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
  },
  {
    id: 'schema/selector',
    severity: 'error',
    what: "a workload's spec.selector matches its own pod template labels",
    fix: "add the selector's labels to spec.template.metadata.labels (or select on labels the template has)",
  },
  {
    id: 'schema/port-name',
    severity: 'error',
    what: 'container port names are IANA service names (at most 15 characters, a-z0-9 and -, with a letter); Service ports are named and unique when there are several',
    fix: "use a short name such as 'http' or 'metrics' (at most 15 characters, no '--')",
  },
  {
    id: 'schema/container-name',
    severity: 'error',
    what: 'container names (containers and initContainers) are DNS labels and unique within a pod',
    fix: 'give every container of the pod its own DNS-1123 label name',
  },
  {
    id: 'schema/volume-mount',
    severity: 'error',
    what: 'every volumeMount names a volume declared in the pod (or a StatefulSet volumeClaimTemplate) at a unique, non-empty mountPath; subPath is relative without ".." and not combined with subPathExpr; volume names are unique',
    fix: 'add the volume to spec.volumes or correct the mount name',
    source: 'kubernetes pkg/apis/core/validation/validation.go: ValidateVolumeMounts, validateLocalDescendingPath',
  },
  {
    id: 'schema/duplicate-object',
    severity: 'error',
    what: 'no two objects share group, kind, namespace and name (the second would overwrite the first)',
    fix: "give one of the constructs another 'name'",
  },
  // references between objects of the set
  {
    id: 'ref/service-selector',
    severity: 'error',
    what: 'every Service with a selector selects some pod template of the set, and named targetPorts are ports of the selected pods',
    fix: "make the Service's selector a subset of the workload's pod template labels, or name a port the pods declare",
  },
  {
    id: 'ref/ingress-backend',
    severity: 'error',
    what: 'Ingress backends name a Service of the set in the same namespace, and a port that Service has',
    fix: 'route to an existing Service and one of its ports (number or name)',
  },
  {
    id: 'ref/hpa-target',
    severity: 'error',
    what: "a HorizontalPodAutoscaler's scaleTargetRef names a workload of the set",
    fix: 'point scaleTargetRef at an existing Deployment or StatefulSet (apiVersion, kind and name)',
  },
  {
    id: 'ref/probe-port',
    severity: 'error',
    what: 'probes that name a port by name name a port of the same container',
    fix: "use the port number, or a name listed in the container's ports",
  },
  {
    id: 'ref/configmap',
    severity: 'error',
    what: 'env, envFrom and volume references to ConfigMaps (and their keys) exist in the set, are optional, or are declared external',
    fix: "create the ConfigMap, correct its name or key, or declare it external (gate option 'external' or kstack:external metadata)",
  },
  {
    id: 'ref/secret',
    severity: 'error',
    what: 'env, envFrom, volume and Ingress TLS references to Secrets (and their keys) exist in the set, are optional, or are declared external',
    fix: "create the Secret out of band and declare it external (e.g. Postgres 'existingSecret', declareExternal(construct, name); for `npm run validate`, --external Secret/NAME), or correct the name",
  },
  {
    id: 'ref/pvc',
    severity: 'error',
    what: 'persistentVolumeClaim volumes name a PersistentVolumeClaim of the set or one declared external',
    fix: 'create the PersistentVolumeClaim or declare it external',
  },
  {
    id: 'ref/service-account',
    severity: 'error',
    what: "a pod's serviceAccountName names a ServiceAccount of the set (or 'default', or one declared external)",
    fix: 'create the ServiceAccount or declare it external',
  },
  // Pod Security Standards "restricted"
  {
    id: 'pss/host-namespaces',
    severity: 'error',
    what: 'pods do not set hostNetwork, hostPID or hostIPC',
    fix: 'remove hostNetwork/hostPID/hostIPC (or set them to false)',
  },
  {
    id: 'pss/host-ports',
    severity: 'error',
    what: 'containers do not set hostPort',
    fix: 'remove hostPort and expose the port through a Service',
  },
  { id: 'pss/privileged', severity: 'error', what: 'no container is privileged', fix: 'set securityContext.privileged to false' },
  {
    id: 'pss/privilege-escalation',
    severity: 'error',
    what: 'every container sets securityContext.allowPrivilegeEscalation: false',
    fix: 'set securityContext.allowPrivilegeEscalation: false on the container',
  },
  {
    id: 'pss/capabilities',
    severity: 'error',
    what: 'every container drops ALL capabilities and adds none but NET_BIND_SERVICE',
    fix: "set securityContext.capabilities to { drop: ['ALL'] } (add only NET_BIND_SERVICE)",
  },
  {
    id: 'pss/run-as-non-root',
    severity: 'error',
    what: 'runAsNonRoot is true for the pod or every container, and nothing runs as uid 0',
    fix: 'set spec.securityContext.runAsNonRoot: true and a non-zero runAsUser',
  },
  {
    id: 'pss/seccomp',
    severity: 'error',
    what: 'seccompProfile is RuntimeDefault or Localhost at pod level or on every container, never Unconfined',
    fix: 'set spec.securityContext.seccompProfile: { type: RuntimeDefault }',
  },
  {
    id: 'pss/volume-types',
    severity: 'error',
    what: 'volumes are of the restricted types (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret); no hostPath',
    fix: 'replace the volume with an emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret',
  },
  {
    id: 'pss/proc-sysctls',
    severity: 'error',
    what: 'no unsafe sysctls, non-default procMount, custom SELinux user/role or unconfined AppArmor (baseline)',
    fix: 'remove the sysctl, procMount, seLinuxOptions or AppArmor override',
  },
  // policy
  {
    id: 'policy/resources',
    severity: 'error',
    what: 'every container (init containers too) requests cpu and memory and limits memory',
    fix: "set resources.requests.cpu, resources.requests.memory and resources.limits.memory (kstack: the 'resources' prop)",
  },
  {
    id: 'policy/probes',
    severity: 'error',
    what: 'containers of long-running workloads (not Jobs or CronJobs) have readiness and liveness probes',
    fix: 'add readinessProbe and livenessProbe to the container',
  },
  {
    id: 'policy/image-tag',
    severity: 'error',
    what: "images are pinned outside dev: a tag other than 'latest', or a digest",
    fix: "pin the image to a version tag or a digest, e.g. 'ghcr.io/acme/api:1.4.2'",
  },
  {
    id: 'policy/pdb',
    severity: 'error',
    what: 'in prod, every replicated workload (replicas > 1, or an HPA allowing more than one pod) is covered by a PodDisruptionBudget',
    fix: 'add a PodDisruptionBudget selecting the pods (kstack constructs add one when more than one pod runs)',
  },
  {
    id: 'policy/network-policy',
    severity: 'error',
    what: 'every pod template is selected by some NetworkPolicy of its namespace',
    fix: 'add a NetworkPolicy selecting the pods (AppNamespace adds a default-deny policy covering every pod)',
  },
  {
    id: 'policy/egress-host',
    severity: 'warning',
    what: 'a workload whose env names an external http(s) host can get out to outside addresses on that port when NetworkPolicies restrict its egress',
    fix: "allow the egress: connections.allowTo(Peer.internet(), { ports: [443], hosts: ['api.example.com'] }) (NetworkPolicy matches addresses, not host names)",
  },
  {
    id: 'policy/secret-literal',
    severity: 'error',
    what: 'Secrets carry no literal data/stringData outside dev (a warning in dev, to be waived with a reason)',
    fix: 'create the Secret out of band (sealed-secrets, external-secrets, a cloud secret manager) and reference it by name',
  },
] as const satisfies readonly RuleInfo[];

export type RuleId = (typeof rules)[number]['id'] | (typeof API_RULES)[number]['id'] | (typeof ROUTE_RULES)[number]['id'];

/** All rules, in report order. */
export const RULES: readonly RuleInfo[] = [
  ...rules,
  ...(API_RULES satisfies readonly RuleInfo[]),
  ...(ROUTE_RULES satisfies readonly RuleInfo[]),
];

const byId = new Map<string, RuleInfo>(RULES.map((r) => [r.id, r]));

/** The rule with this id, or undefined. */
export function ruleInfo(id: string): RuleInfo | undefined {
  return byId.get(id);
}
