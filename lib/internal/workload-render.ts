/**
 * The Kubernetes renderer of workload descriptions, shared by every workload construct (the app
 * services and Postgres): ServiceAccount, ConfigMap, Deployment or StatefulSet with its containers
 * and volumes, Services, autoscaler and disruption budget. It reads the description only.
 */
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CheckSpec, ResourceSpec, SecretKeyRef, WorkloadDescription } from '../workload';
import { podLabels, selectorLabels } from './labels';
import { names } from './names';
import { podDisruptionBudget } from './plain-object';
import { toCpu, toSize } from './quantity';
import { hardenPodSpec, restrictedContainer, restrictedPod } from './security';

/** The objects of one rendered workload: the escape hatches its construct exposes. */
export interface WorkloadObjects {
  /** The pod controller: a Deployment, or a StatefulSet for a stateful workload. */
  readonly controller: kplus.Deployment | kplus.StatefulSet;
  /** The main container. */
  readonly container: kplus.Container;
  /** The init container running `preStart`, when there is one. */
  readonly preStartContainer?: kplus.Container;
  readonly serviceAccount: kplus.ServiceAccount;
  /** The ConfigMap of the non-secret environment (absent when there is none). */
  readonly configMap?: kplus.ConfigMap;
  /** The ClusterIP Service. */
  readonly service: kplus.Service;
  /** The headless Service of a stateful workload. */
  readonly headlessService?: kplus.Service;
  /** The claim of a Deployment's data volume (a StatefulSet has a claim template instead). */
  readonly dataClaim?: kplus.PersistentVolumeClaim;
  readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** The PodDisruptionBudget, when more than one pod may run. */
  readonly disruptionBudget?: ApiObject;
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

/** A Secret key as an env value; the imported Secret reference is made once per scope and name. */
export function secretEnvValue(scope: Construct, ref: SecretKeyRef): kplus.EnvValue {
  const id = `SecretRef-${ref.name}`;
  const secret = (scope.node.tryFindChild(id) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(scope, id, ref.name);
  return kplus.EnvValue.fromSecretValue({ secret, key: ref.key });
}

/** Env for a container: the ConfigMap as envFrom, Secret keys as secretKeyRef. */
export function containerEnv(
  scope: Construct,
  secretEnv: Readonly<Record<string, SecretKeyRef>>,
  configMap?: kplus.ConfigMap,
): Pick<kplus.ContainerProps, 'envFrom' | 'envVariables'> {
  const envVariables: Record<string, kplus.EnvValue> = {};
  for (const [envName, ref] of Object.entries(secretEnv)) envVariables[envName] = secretEnvValue(scope, ref);
  return { envFrom: configMap ? [kplus.Env.fromConfigMap(configMap)] : undefined, envVariables };
}

/** The pod controller of a description: a Deployment, or a StatefulSet behind its headless Service. */
function renderController(scope: Construct, desc: WorkloadDescription, serviceAccount: kplus.ServiceAccount) {
  const common = {
    metadata: { name: desc.name },
    select: false,
    serviceAccount,
    automountServiceAccountToken: false,
    securityContext: restrictedPod(desc.user, desc.group, desc.fsGroup),
  };
  const replicas = desc.scaling.autoscaling ? undefined : desc.scaling.replicas;
  if (!desc.stateful) {
    const controller = new kplus.Deployment(scope, 'Deployment', {
      ...common,
      replicas,
      strategy: desc.dataVolume ? kplus.DeploymentStrategy.recreate() : kplus.DeploymentStrategy.rollingUpdate(),
    });
    return { controller };
  }
  const headlessService = new kplus.Service(scope, 'Headless', {
    metadata: { name: names.headlessService(desc.name) },
    clusterIP: 'None',
    ports: desc.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })),
  });
  for (const [k, v] of Object.entries(selectorLabels(scope, desc.name))) headlessService.selectLabel(k, v);
  const controller = new kplus.StatefulSet(scope, 'StatefulSet', { ...common, service: headlessService, replicas });
  return { controller, headlessService };
}

/** The main and pre-start containers with env, probes, resources and security. */
function renderContainers(scope: Construct, desc: WorkloadDescription, controller: kplus.Workload, configMap?: kplus.ConfigMap) {
  const env = containerEnv(scope, desc.secretEnv, configMap);
  const securityContext = restrictedContainer(desc.user, desc.group, desc.readOnlyRootFilesystem);
  const resources = toResources(desc.resources);
  const container = controller.addContainer({
    name: desc.containerName,
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
  const preStartContainer = desc.preStart
    ? controller.addInitContainer({
        name: names.preStartContainer(),
        image: desc.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: [...desc.preStart],
        resources,
        securityContext,
        ...env,
      })
    : undefined;
  return { container, preStartContainer };
}

/** Scratch emptyDirs, and the data volume: a claim for a Deployment, a claim template for a StatefulSet. */
function renderVolumes(scope: Construct, desc: WorkloadDescription, controller: kplus.Workload, containers: readonly kplus.Container[]) {
  desc.scratchPaths.forEach((path, i) => {
    const volume = kplus.Volume.fromEmptyDir(scope, `Scratch${i}`, names.scratchVolume(path));
    for (const c of containers) c.mount(path, volume);
  });
  const data = desc.dataVolume;
  if (!data) return undefined;
  if (controller instanceof kplus.StatefulSet) {
    const sts = ApiObject.of(controller);
    containers.forEach((_, i) => {
      const list = i === 0 ? 'containers/0' : `initContainers/${i - 1}`;
      sts.addJsonPatch(JsonPatch.add(`/spec/template/spec/${list}/volumeMounts/-`, { name: names.dataVolume(), mountPath: data.path }));
    });
    // cdk8s-plus-27 has no volumeClaimTemplates prop; a plain string would synthesize as `storage: null`.
    sts.addJsonPatch(
      JsonPatch.add('/spec/volumeClaimTemplates', [
        {
          metadata: { name: names.dataVolume() },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: data.storageClass,
            resources: { requests: { storage: kplus.k8s.Quantity.fromString(data.size) } },
          },
        },
      ]),
    );
    return undefined;
  }
  const dataClaim = new kplus.PersistentVolumeClaim(scope, 'DataClaim', {
    metadata: { name: names.dataClaim(desc.name) },
    storage: toSize(data.size),
    storageClassName: data.storageClass,
    accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
  });
  const volume = kplus.Volume.fromPersistentVolumeClaim(scope, 'DataVolume', dataClaim, { name: names.dataVolume() });
  for (const c of containers) c.mount(data.path, volume);
  return dataClaim;
}

/** The autoscaler and, when more than one pod may run, a PodDisruptionBudget. */
function renderScaling(scope: Construct, desc: WorkloadDescription, controller: kplus.Deployment | kplus.StatefulSet) {
  const a = desc.scaling.autoscaling;
  const autoscaler = a
    ? new kplus.HorizontalPodAutoscaler(scope, 'Autoscaler', {
        metadata: { name: desc.name },
        target: controller,
        minReplicas: a.minReplicas,
        maxReplicas: a.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(a.targetCpuUtilization))],
      })
    : undefined;
  const maxPods = a ? a.maxReplicas : (desc.scaling.replicas ?? 1);
  const disruptionBudget =
    maxPods > 1
      ? podDisruptionBudget(scope, 'DisruptionBudget', {
          metadata: { name: desc.name },
          spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(scope, desc.name) } },
        })
      : undefined;
  return { autoscaler, disruptionBudget };
}

/**
 * Renders a workload description: ServiceAccount, ConfigMap, the controller and its containers
 * and volumes (Pod Security "restricted"), the ClusterIP Service, the autoscaler and the
 * disruption budget. The connections' NetworkPolicies are the construct's (see Connections).
 */
export function renderWorkload(scope: Construct, desc: WorkloadDescription): WorkloadObjects {
  const serviceAccount = new kplus.ServiceAccount(scope, 'ServiceAccount', { metadata: { name: desc.name }, automountToken: false });
  const configMap =
    Object.keys(desc.config).length === 0
      ? undefined
      : new kplus.ConfigMap(scope, 'Config', { metadata: { name: names.configMap(desc.name) }, data: { ...desc.config } });
  const { controller, headlessService } = renderController(scope, desc, serviceAccount);
  for (const [k, v] of Object.entries(podLabels(scope, desc.name, desc.component))) controller.podMetadata.addLabel(k, v);
  controller.select(kplus.LabelSelector.of({ labels: selectorLabels(scope, desc.name) }));
  const { container, preStartContainer } = renderContainers(scope, desc, controller, configMap);
  const dataClaim = renderVolumes(scope, desc, controller, preStartContainer ? [container, preStartContainer] : [container]);
  hardenPodSpec(controller, '/spec/template/spec');

  const service = new kplus.Service(scope, 'Service', {
    metadata: { name: desc.name },
    type: kplus.ServiceType.CLUSTER_IP,
    ports: desc.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: kplus.Protocol.TCP })),
  });
  for (const [k, v] of Object.entries(selectorLabels(scope, desc.name))) service.selectLabel(k, v);
  const { autoscaler, disruptionBudget } = renderScaling(scope, desc, controller);
  return {
    controller,
    container,
    preStartContainer,
    serviceAccount,
    configMap,
    service,
    headlessService,
    dataClaim,
    autoscaler,
    disruptionBudget,
  };
}

/** Adds a label to a pod template after construction (a connection's access label). */
export function addPodLabel(controller: kplus.Deployment | kplus.StatefulSet, key: string, value: string): void {
  controller.podMetadata.addLabel(key, value);
}
