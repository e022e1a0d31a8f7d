/**
 * The Pulumi program: one environment (the stack name) deployed to the cluster of
 * `kstack:kubeContext`, every synthesized Kubernetes object as its own resource.
 */
import * as path from 'path';
import * as docker from '@pulumi/docker';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { KstackPropError } from '../../lib';
import { K8sObject } from '../../stacks/synth';
import { openSchemaCache } from '../internal/schema-cache';
import { KstackConfig, KstackConfigError, readConfig } from './config';
import { DeploymentPlan, isArgoApplication, KstackDeployError, objectKey, planDeployment, resourceName } from './plan';

type ResourceClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** Typed classes of the kinds kstack synthesizes; anything else is registered as a generic CustomResource. */
const TYPED: Readonly<Record<string, ResourceClass>> = {
  'v1/Namespace': k8s.core.v1.Namespace,
  'v1/ConfigMap': k8s.core.v1.ConfigMap,
  'v1/Secret': k8s.core.v1.Secret,
  'v1/Service': k8s.core.v1.Service,
  'v1/ServiceAccount': k8s.core.v1.ServiceAccount,
  'v1/PersistentVolumeClaim': k8s.core.v1.PersistentVolumeClaim,
  'apps/v1/Deployment': k8s.apps.v1.Deployment,
  'apps/v1/StatefulSet': k8s.apps.v1.StatefulSet,
  'batch/v1/Job': k8s.batch.v1.Job,
  'batch/v1/CronJob': k8s.batch.v1.CronJob,
  'networking.k8s.io/v1/Ingress': k8s.networking.v1.Ingress,
  'networking.k8s.io/v1/NetworkPolicy': k8s.networking.v1.NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': k8s.autoscaling.v2.HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': k8s.policy.v1.PodDisruptionBudget,
};

export interface KstackDeployment {
  readonly plan: DeploymentPlan;
  readonly provider: k8s.Provider;
  /** One resource per synthesized object, by objectKey. */
  readonly objects: ReadonlyMap<string, pulumi.CustomResource>;
  readonly images: ReadonlyMap<string, docker.Image>;
  readonly password?: random.RandomPassword;
  /** stringData of the credentials Secret (a Pulumi secret). */
  readonly credentials?: pulumi.Output<Record<string, string>>;
  /** The options each object was registered with (provider, dependsOn, secret outputs), by objectKey. */
  readonly resourceOptions: ReadonlyMap<string, pulumi.CustomResourceOptions>;
  readonly ingressNginx?: k8s.helm.v3.Release;
  /** Stack outputs. */
  readonly outputs: { namespace: string; appUrl: string; images: Record<string, string> };
}

export interface DeployOptions {
  /** Folder build contexts are relative to. @default the repository root */
  readonly rootDir?: string;
  /** Configuration; read from the stack when omitted. */
  readonly config?: KstackConfig;
}

/** Registers the stack's resources. Every input check runs before the first resource. */
export function deployKstack(opts: DeployOptions = {}): KstackDeployment {
  const cfg = opts.config ?? readConfig();
  let plan: DeploymentPlan;
  try {
    const schemaCache = openSchemaCache();
    plan = planDeployment(cfg.env, {
      rootDir: opts.rootDir ?? path.resolve(__dirname, '..', '..'),
      imageMode: cfg.imageMode,
      registry: cfg.registry,
      clusterRegistry: cfg.clusterRegistry,
      schemaCache,
    });
    schemaCache?.save();
  } catch (err) {
    if (err instanceof KstackDeployError || err instanceof KstackPropError) throw new KstackConfigError(`kstack: ${err.message}`);
    throw err;
  }

  // ---- resources from here on ----
  const provider = new k8s.Provider('k8s', { context: cfg.kubeContext, enableServerSideApply: true });

  const ingressNginx = cfg.installIngressNginx
    ? new k8s.helm.v3.Release(
        'ingress-nginx',
        {
          name: 'ingress-nginx',
          chart: 'ingress-nginx',
          version: cfg.ingressNginxVersion,
          repositoryOpts: { repo: 'https://kubernetes.github.io/ingress-nginx' },
          namespace: 'ingress-nginx',
          createNamespace: true,
          values: { controller: { service: { type: 'LoadBalancer' }, ingressClassResource: { name: 'nginx' } } },
        },
        { provider },
      )
    : undefined;

  const images = new Map<string, docker.Image>();
  const imageDeps = new Map<string, docker.Image[]>();
  for (const img of plan.images) {
    const image = new docker.Image(`image-${plan.env.name}-${img.workload}`, {
      imageName: img.buildName,
      build: { context: img.context, dockerfile: img.dockerfile, ...(cfg.platform ? { platform: cfg.platform } : {}) },
      skipPush: !img.push,
    });
    images.set(img.workload, image);
    for (const key of img.usedBy) imageDeps.set(key, [...(imageDeps.get(key) ?? []), image]);
  }

  let password: random.RandomPassword | undefined;
  let credentialsData: pulumi.Output<Record<string, string>> | undefined;
  if (plan.credentials) {
    const { fill } = plan.credentials;
    // Letters and digits only: safe in the connection URL and in shells. Kept in the state, so stable across updates.
    password = new random.RandomPassword(`db-password-${plan.credentials.namespace}-${plan.credentials.name}`, {
      length: 32,
      special: false,
    });
    credentialsData = pulumi.secret(password.result.apply((pw) => fill(pw)));
  }

  const resourceOptions = new Map<string, pulumi.CustomResourceOptions>();
  const register = (obj: K8sObject, dependsOn: pulumi.Resource[]): pulumi.CustomResource => {
    const key = objectKey(obj);
    const typed = TYPED[`${obj.apiVersion}/${obj.kind}`];
    const args: Record<string, unknown> = { ...obj };
    const resourceOpts: pulumi.CustomResourceOptions = { provider, dependsOn: [...dependsOn, ...(imageDeps.get(key) ?? [])] };
    if (obj.kind === 'Secret') {
      resourceOpts.additionalSecretOutputs = ['data', 'stringData'];
      if (plan.credentials?.key === key) args.stringData = credentialsData;
    }
    resourceOptions.set(key, resourceOpts);
    const name = resourceName(obj);
    return typed
      ? new typed(name, args as never, resourceOpts)
      : new k8s.apiextensions.CustomResource(name, args as k8s.apiextensions.CustomResourceArgs, resourceOpts);
  };

  const registered = new Map<string, pulumi.CustomResource>();
  const namespaces = plan.objects.filter((o) => o.kind === 'Namespace');
  for (const ns of namespaces) registered.set(objectKey(ns), register(ns, []));
  const nsResources = [...registered.values()];
  const rest = plan.objects.filter((o) => o.kind !== 'Namespace' && !isArgoApplication(o));
  for (const obj of rest) {
    // The controller's admission webhook must be up before an Ingress is accepted.
    const deps = obj.kind === 'Ingress' && ingressNginx ? [...nsResources, ingressNginx] : nsResources;
    registered.set(objectKey(obj), register(obj, deps));
  }
  const appResources = [...registered.values()];
  for (const app of plan.objects.filter(isArgoApplication)) registered.set(objectKey(app), register(app, appResources));

  return {
    plan,
    provider,
    objects: registered,
    images,
    password,
    credentials: credentialsData,
    resourceOptions,
    ingressNginx,
    outputs: { namespace: plan.namespace, appUrl: plan.appUrl, images: { ...plan.imageRefs } },
  };
}
