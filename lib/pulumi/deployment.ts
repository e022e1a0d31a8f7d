/**
 * KstackDeployment: a Pulumi component that deploys a tree of kstack constructs, every
 * synthesized object as its own typed resource, with the images built from the workloads'
 * `build` and the in-cluster databases' credentials generated (see docs/pulumi.md).
 */
import * as docker from '@pulumi/docker';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { KstackPropError } from '../errors';
import { ClusterSetupOptions, resolveClusterSetup, setUpCluster } from './cluster';
import { apiGroup, isBuiltinKind } from './order';
import { DeploymentPlan, DeploymentPlanOptions, planDeployment, PlannedObject } from './plan';

/** Arguments of a KstackDeployment: what to deploy (DeploymentPlanOptions) and where. */
export interface KstackDeploymentArgs extends DeploymentPlanOptions {
  /** The kubernetes provider to deploy with. @default - one created for `kubeContext`, with server-side apply */
  readonly provider?: k8s.Provider;
  /** kubeconfig context of the created provider, e.g. 'k3d-kstack'. @default - required without `provider` */
  readonly kubeContext?: string;
  /** What the cluster gets before the routes and custom resources (Gateway API CRDs, a controller). @default - nothing */
  readonly cluster?: ClusterSetupOptions;
  /** Resources the routes and custom resources wait for, e.g. your own controller's Helm release. @default [] */
  readonly prerequisites?: readonly pulumi.Resource[];
}

type ResourceClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The typed class of a kind Kubernetes serves itself (k8s.apps.v1.Deployment...), undefined for a custom resource. */
export function typedResourceClass(apiVersion: string, kind: string): ResourceClass | undefined {
  if (!isBuiltinKind({ apiVersion })) return undefined;
  const group = apiGroup(apiVersion);
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  const module = group === '' ? 'core' : group.split('.')[0];
  const cls = (k8s as unknown as Record<string, Record<string, Record<string, unknown>> | undefined>)[module]?.[version]?.[kind];
  const token = `kubernetes:${group === '' ? 'core' : group}/${version}:${kind}`;
  return typeof cls === 'function' && (cls as { __pulumiType?: string }).__pulumiType === token ? (cls as ResourceClass) : undefined;
}

/** The resource name of the image a deployment named `deployment` builds for a workload (ImagePlan.key). */
export function imageResourceName(deployment: string, key: string): string {
  return `${deployment}-image-${key.replace('/', '-')}`;
}

function checkTarget(at: string, args: KstackDeploymentArgs): void {
  if (args.provider !== undefined && !k8s.Provider.isInstance(args.provider)) {
    throw KstackPropError.of(at, 'provider', 'must be a kubernetes Provider (new k8s.Provider(...))', args.provider);
  }
  if (args.provider === undefined && (typeof args.kubeContext !== 'string' || args.kubeContext.trim() === '')) {
    throw KstackPropError.of(
      at,
      'kubeContext',
      "must name the kubeconfig context to deploy to (e.g. 'k3d-kstack'; see kubectl config get-contexts), or give provider",
      args.kubeContext,
    );
  }
  const prerequisites = args.prerequisites ?? [];
  if (!Array.isArray(prerequisites) || prerequisites.some((r) => !pulumi.Resource.isInstance(r))) {
    throw KstackPropError.of(at, 'prerequisites', 'must be a list of Pulumi resources', prerequisites);
  }
}

/**
 * Deploys a tree of kstack constructs to a Kubernetes cluster. Everything that can be wrong with
 * the arguments or the tree (the validation gate included) fails before the first resource, as
 * a KstackError that Pulumi prints without a stack trace.
 */
export class KstackDeployment extends pulumi.ComponentResource {
  /** The component's type token. */
  static readonly TYPE = 'kstack:index:KstackDeployment';

  /** What is registered, in order (no Pulumi: see planDeployment). */
  readonly plan: DeploymentPlan;
  /** The provider every Kubernetes resource is registered with. */
  readonly provider: k8s.Provider;
  /** One resource per object, by key ('Kind/namespace/name'). */
  readonly resources: ReadonlyMap<string, pulumi.CustomResource>;
  /** The options each object was registered with (dependsOn, secret outputs), by key. */
  readonly resourceOptions: ReadonlyMap<string, pulumi.CustomResourceOptions>;
  /** The images built from sources, by ImagePlan.key. */
  readonly images: ReadonlyMap<string, docker.Image>;
  /** The generated database passwords, by the key of their Secret. */
  readonly passwords: ReadonlyMap<string, random.RandomPassword>;
  /** The stringData of each credentials Secret (a Pulumi secret), by the Secret's key. */
  readonly credentials: ReadonlyMap<string, pulumi.Output<Record<string, string>>>;
  /** What the routes and custom resources waited for: the cluster setup, then `prerequisites`. */
  readonly prerequisites: readonly pulumi.Resource[];
  /** Namespaces of the deployed objects. */
  readonly namespaces: readonly string[];
  /** http(s)://<host> of each router with a host. */
  readonly urls: readonly string[];
  /** The image each workload's pods run, by '<namespace>/<workload>'. */
  readonly imageRefs: Readonly<Record<string, string>>;

  constructor(name: string, args: KstackDeploymentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const at = `KstackDeployment ${name}`;
    // Every check before super(): a bad input registers nothing, not even the component.
    const plan = planDeployment(args, at);
    checkTarget(at, args);
    const setup = resolveClusterSetup(at, args.cluster);
    super(KstackDeployment.TYPE, name, {}, opts);
    this.plan = plan;
    this.provider =
      args.provider ?? new k8s.Provider(`${name}-k8s`, { context: args.kubeContext, enableServerSideApply: true }, { parent: this });
    this.prerequisites = [...setUpCluster(name, setup, this.provider, this), ...(args.prerequisites ?? [])];
    this.images = this.buildImages(name);
    const { passwords, credentials } = this.generateCredentials(name);
    this.passwords = passwords;
    this.credentials = credentials;
    const { resources, options } = this.registerObjects(name);
    this.resources = resources;
    this.resourceOptions = options;
    this.namespaces = plan.outputs.namespaces;
    this.urls = plan.outputs.urls;
    this.imageRefs = plan.outputs.images;
    this.registerOutputs({ namespaces: this.namespaces, urls: this.urls, images: this.imageRefs });
  }

  private buildImages(name: string): Map<string, docker.Image> {
    const images = new Map<string, docker.Image>();
    for (const img of this.plan.images) {
      const build = { context: img.context, dockerfile: img.dockerfile, ...(img.platform ? { platform: img.platform } : {}) };
      const args = { imageName: img.buildName, build, skipPush: !img.push };
      images.set(img.key, new docker.Image(imageResourceName(name, img.key), args, { parent: this }));
    }
    return images;
  }

  private generateCredentials(name: string) {
    const passwords = new Map<string, random.RandomPassword>();
    const credentials = new Map<string, pulumi.Output<Record<string, string>>>();
    for (const c of this.plan.credentials) {
      // Letters and digits: safe in the connection URL and in shells. Kept in the state, so stable across updates.
      const password = new random.RandomPassword(
        `${name}-db-password-${[c.namespace, c.secretName].filter(Boolean).join('-')}`,
        { length: 32, special: false },
        { parent: this, additionalSecretOutputs: ['result'] },
      );
      passwords.set(c.key, password);
      credentials.set(c.key, pulumi.secret(password.result.apply((pw) => c.fill(pw))));
    }
    return { passwords, credentials };
  }

  private registerObjects(name: string) {
    const resources = new Map<string, pulumi.CustomResource>();
    const options = new Map<string, pulumi.CustomResourceOptions>();
    for (const o of this.plan.objects) {
      const opts: pulumi.CustomResourceOptions = { parent: this, provider: this.provider, dependsOn: this.dependenciesOf(o, resources) };
      const args: Record<string, unknown> = { ...o.object };
      if (o.object.kind === 'Secret' && o.object.apiVersion === 'v1') {
        opts.additionalSecretOutputs = ['data', 'stringData'];
        const data = this.credentials.get(o.key);
        if (data) args.stringData = data;
      }
      const cls = typedResourceClass(o.object.apiVersion, o.object.kind);
      const resourceName = `${name}-${o.name}`;
      resources.set(
        o.key,
        cls
          ? new cls(resourceName, args as never, opts)
          : new k8s.apiextensions.CustomResource(resourceName, args as k8s.apiextensions.CustomResourceArgs, opts),
      );
      options.set(o.key, opts);
    }
    return { resources, options };
  }

  private dependenciesOf(o: PlannedObject, registered: ReadonlyMap<string, pulumi.CustomResource>): pulumi.Resource[] {
    return [
      ...o.dependsOn.map((key) => registered.get(key)!),
      ...(o.afterPrerequisites ? this.prerequisites : []),
      ...o.images.map((key) => this.images.get(key)!),
    ];
  }
}
