import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CheckSpec, ResourceSpec, WorkloadDescription } from '../workload';
import { accessLabel, podLabels, selectorLabels } from './labels';
import { names } from './names';
import { allowClients } from './network';
import { podDisruptionBudget } from './plain-object';
import { toCpu, toSize } from './quantity';
import { hardenPodSpec, restrictedContainer, restrictedPod } from './security';

/** How many pods run: a fixed count, or an HPA range. */
export interface ScalingSpec {
  readonly replicas?: number;
  readonly autoscaling?: { readonly minReplicas: number; readonly maxReplicas: number; readonly targetCpuUtilization: number };
}

export interface AppWorkloadObjects {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
  readonly configMap?: kplus.ConfigMap;
  readonly serviceAccount: kplus.ServiceAccount;
  readonly autoscaler?: kplus.HorizontalPodAutoscaler;
}

export function toProbe(spec: CheckSpec): kplus.Probe {
  const timing = {
    periodSeconds: Duration.seconds(spec.periodSeconds),
    failureThreshold: spec.failureThreshold,
    timeoutSeconds: Duration.seconds(spec.timeoutSeconds),
    initialDelaySeconds: Duration.seconds(0),
  };
  return spec.check.kind === 'http'
    ? kplus.Probe.fromHttpGet(spec.check.path, { ...timing, port: spec.check.port })
    : kplus.Probe.fromCommand([...spec.check.command], timing);
}

export function toResources(r: ResourceSpec): kplus.ContainerResources {
  return {
    cpu: { request: toCpu(r.cpuRequest), limit: r.cpuLimit === undefined ? undefined : toCpu(r.cpuLimit) },
    memory: { request: toSize(r.memoryRequest), limit: toSize(r.memoryLimit) },
  };
}

/** Env for a container: the ConfigMap as envFrom, Secret keys as secretKeyRef. */
export function containerEnv(
  scope: Construct,
  desc: WorkloadDescription,
  configMap?: kplus.ConfigMap,
): Pick<kplus.ContainerProps, 'envFrom' | 'envVariables'> {
  // Imported Secret references are children of the scope; reuse one when a second container needs it.
  const secretFor = (name: string) =>
    (scope.node.tryFindChild(`SecretRef-${name}`) as kplus.ISecret | undefined) ??
    kplus.Secret.fromSecretName(scope, `SecretRef-${name}`, name);
  const envVariables: Record<string, kplus.EnvValue> = {};
  for (const [envName, ref] of Object.entries(desc.secretEnv)) {
    envVariables[envName] = kplus.EnvValue.fromSecretValue({ secret: secretFor(ref.name), key: ref.key });
  }
  return { envFrom: configMap ? [kplus.Env.fromConfigMap(configMap)] : undefined, envVariables };
}

/**
 * Builds the objects of a stateless HTTP app (backend or frontend) from its description:
 * ServiceAccount, ConfigMap, Deployment, ClusterIP Service, HPA, PDB and the NetworkPolicy
 * admitting the app's clients.
 */
export function buildAppWorkload(scope: Construct, desc: WorkloadDescription, scaling: ScalingSpec): AppWorkloadObjects {
  const name = desc.name;
  const serviceAccount = new kplus.ServiceAccount(scope, 'ServiceAccount', {
    metadata: { name },
    automountToken: false,
  });
  const configMap =
    Object.keys(desc.config).length === 0
      ? undefined
      : new kplus.ConfigMap(scope, 'Config', {
          metadata: { name: names.configMap(name) },
          data: { ...desc.config },
        });

  const deployment = new kplus.Deployment(scope, 'Deployment', {
    metadata: { name },
    replicas: scaling.autoscaling ? undefined : scaling.replicas,
    select: false,
    serviceAccount,
    automountServiceAccountToken: false,
    securityContext: restrictedPod(desc.user, desc.group, desc.fsGroup),
    strategy: desc.dataVolume ? kplus.DeploymentStrategy.recreate() : kplus.DeploymentStrategy.rollingUpdate(),
  });
  const labels = podLabels(scope, name, desc.component);
  for (const [k, v] of Object.entries(labels)) deployment.podMetadata.addLabel(k, v);
  deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(scope, name) }));

  const env = containerEnv(scope, desc, configMap);
  const securityContext = restrictedContainer(desc.user, desc.group, desc.readOnlyRootFilesystem);
  const resources = toResources(desc.resources);
  const container = deployment.addContainer({
    name,
    image: desc.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    command: desc.command ? [...desc.command] : undefined,
    args: desc.args ? [...desc.args] : undefined,
    ports: desc.ports.map((p) => ({ name: p.name, number: p.port })),
    liveness: toProbe(desc.liveness),
    readiness: toProbe(desc.readiness),
    startup: desc.startup ? toProbe(desc.startup) : undefined,
    resources,
    securityContext,
    ...env,
  });
  const preStart = desc.preStart
    ? deployment.addInitContainer({
        name: 'pre-start',
        image: desc.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: [...desc.preStart],
        resources,
        securityContext,
        ...env,
      })
    : undefined;

  desc.scratchPaths.forEach((path, i) => {
    const volume = kplus.Volume.fromEmptyDir(scope, `Scratch${i}`, scratchVolumeName(path));
    container.mount(path, volume);
    preStart?.mount(path, volume);
  });
  if (desc.dataVolume) {
    const claim = new kplus.PersistentVolumeClaim(scope, 'DataClaim', {
      metadata: { name: names.dataClaim(name) },
      storage: toSize(desc.dataVolume.size),
      storageClassName: desc.dataVolume.storageClass,
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
    });
    const volume = kplus.Volume.fromPersistentVolumeClaim(scope, 'DataVolume', claim, { name: 'data' });
    container.mount(desc.dataVolume.path, volume);
    preStart?.mount(desc.dataVolume.path, volume);
  }
  hardenPodSpec(deployment, '/spec/template/spec');

  const port = desc.ports[0];
  const service = new kplus.Service(scope, 'Service', {
    metadata: { name },
    type: kplus.ServiceType.CLUSTER_IP,
    ports: desc.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: kplus.Protocol.TCP })),
  });
  for (const [k, v] of Object.entries(selectorLabels(scope, name))) service.selectLabel(k, v);

  const autoscaler = scaling.autoscaling
    ? new kplus.HorizontalPodAutoscaler(scope, 'Autoscaler', {
        metadata: { name },
        target: deployment,
        minReplicas: scaling.autoscaling.minReplicas,
        maxReplicas: scaling.autoscaling.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(scaling.autoscaling.targetCpuUtilization))],
      })
    : undefined;

  const maxPods = scaling.autoscaling ? scaling.autoscaling.maxReplicas : (scaling.replicas ?? 1);
  if (maxPods > 1) {
    podDisruptionBudget(scope, 'DisruptionBudget', {
      metadata: { name },
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(scope, name) } },
    });
  }

  allowClients(scope, { server: name, serverSelector: selectorLabels(scope, name), accessLabel: accessLabel(name), port: port.port });
  return { deployment, service, configMap, serviceAccount, autoscaler };
}

/** Adds labels to a workload's pod template after construction (used to grant access to servers). */
export function addPodLabel(deployment: kplus.Deployment | kplus.StatefulSet | kplus.CronJob, key: string, value: string): void {
  if (deployment instanceof kplus.CronJob) {
    ApiObject.of(deployment).addJsonPatch(
      JsonPatch.add(`/spec/jobTemplate/spec/template/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, value),
    );
    return;
  }
  deployment.podMetadata.addLabel(key, value);
}

/** '/app/.next/cache' -> 'app-next-cache': a volume name derived from its mount path. */
export function scratchVolumeName(path: string): string {
  const slug = path
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  return slug === '' ? 'scratch' : slug.slice(0, 63).replace(/-+$/, '');
}
