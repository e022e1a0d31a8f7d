/**
 * What the Pulumi program registers, worked out without Pulumi: the environment's synthesized
 * objects (the same synthesizeEnv the YAML path uses), with the app images replaced by
 * content-addressed references and the database credentials prepared for a generated password.
 * Everything that can be wrong with the input fails here, before any resource exists.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EnvConfig } from '../../stacks/environments';
import { formatFinding, gateErrors, SchemaResultCache } from '../../lib/validate';
import { K8sObject, synthesizeEnv } from '../../stacks/synth';
import { hashBuildContext } from './context-hash';
import { describeStack, Postgres } from '../../lib';

/** How built images reach the cluster. */
export type ImageMode = 'registry' | 'docker-env';

export interface PlanOptions {
  /** Folder the build contexts are relative to (the repository root). */
  readonly rootDir: string;
  /** Folder the Docker build paths are given relative to (Pulumi runs the program in the project folder). @default process.cwd() */
  readonly cwd?: string;
  /**
   * 'registry': push to `registry` (host-side name) and pull from `clusterRegistry` (in-cluster name).
   * 'docker-env': build into the Docker daemon the nodes use (`eval $(minikube docker-env)`), no push.
   */
  readonly imageMode: ImageMode;
  /** Registry host the images are pushed to, e.g. 'localhost:5000'. @default the registry host of the env's image */
  readonly registry?: string;
  /** Registry host the cluster pulls from, e.g. 'k3d-kstack-registry:5000'. @default registry */
  readonly clusterRegistry?: string;
  /** The gate's schema-result cache (bin/internal/schema-cache.ts). @default - every object is schema-checked */
  readonly schemaCache?: SchemaResultCache;
}

/** One image built from sources. */
export interface ImagePlan {
  /** Workload (and Deployment) name, e.g. 'api'. */
  readonly workload: string;
  /** The image reference of the synthesized objects, replaced by `pullName`. */
  readonly sourceImage: string;
  /** Repository path without registry host or tag, e.g. 'kstack-backend'. */
  readonly repository: string;
  /** Build context, relative to `cwd`. */
  readonly context: string;
  /** Dockerfile, relative to `cwd` (the Docker provider resolves it against the working directory). */
  readonly dockerfile: string;
  /** sha256 of the build context and Dockerfile. */
  readonly contextHash: string;
  /** Image tag: the first 16 hex characters of contextHash. */
  readonly tag: string;
  /** The name the image is built and pushed under (host side). */
  readonly buildName: string;
  /** The name the cluster pulls (what the pods reference). */
  readonly pullName: string;
  /** Whether the image is pushed to a registry. */
  readonly push: boolean;
  /** Keys (see objectKey) of the objects whose containers use this image. */
  readonly usedBy: readonly string[];
}

/** The credentials Secret of an in-cluster database, to be filled with the generated password. */
export interface CredentialsPlan {
  /** objectKey of the Secret in `objects`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** The Secret's stringData for a password (the Postgres construct's own mapping). */
  readonly fill: (password: string) => Record<string, string>;
  /** Whether the YAML path has this Secret too (dev) or leaves it to be created out of band (staging). */
  readonly inYaml: boolean;
}

export interface DeploymentPlan {
  readonly env: EnvConfig;
  /** The environment's namespace. */
  readonly namespace: string;
  /** http(s)://host */
  readonly appUrl: string;
  /** All objects to register, in synthesis order (app objects, then the Argo CD Application if any). */
  readonly objects: readonly K8sObject[];
  readonly images: readonly ImagePlan[];
  readonly credentials?: CredentialsPlan;
  /** Final image reference per workload name. */
  readonly imageRefs: Readonly<Record<string, string>>;
}

/** A bad input to the Pulumi program (stack, config, build folders). */
export class KstackDeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KstackDeployError';
  }
}

/** `Kind/namespace/name`, unique per object. */
export function objectKey(obj: K8sObject): string {
  return `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** The Pulumi resource name of an object: `${kind}-${namespace}-${name}` lowercased (no namespace part for cluster-scoped kinds). */
export function resourceName(obj: K8sObject): string {
  return [obj.kind, obj.metadata.namespace, obj.metadata.name].filter(Boolean).join('-').toLowerCase();
}

/** Whether an object is an Argo CD Application (registered last, needs the CRD). */
export function isArgoApplication(obj: K8sObject): boolean {
  return obj.kind === 'Application' && obj.apiVersion.startsWith('argoproj.io/');
}

/** Splits an image reference into registry host (if any), repository path and tag/digest. */
export function parseImage(ref: string): { registry?: string; repository: string } {
  let rest = ref.split('@')[0];
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) rest = rest.slice(0, colon);
  const [first, ...others] = rest.split('/');
  if (others.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first, repository: others.join('/') };
  }
  return { repository: rest };
}

const POD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

function podSpecOf(obj: K8sObject): { initContainers?: { image: string }[]; containers?: { image: string }[] } | undefined {
  const o = obj as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walks untyped synthesized JSON
  return obj.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;
}

/** Synthesizes the environment and prepares it for Pulumi. Throws KstackDeployError on bad input. */
export function planDeployment(env: EnvConfig, opts: PlanOptions): DeploymentPlan {
  const cwd = opts.cwd ?? process.cwd();

  // The same synthesis and validation gate as the YAML path.
  const synthesis = synthesizeEnv(env, { schemaCache: opts.schemaCache });
  const errors = gateErrors(synthesis.findings);
  if (errors.length > 0) {
    throw new KstackDeployError(`${env.name}: the validation gate failed:\n${errors.map(formatFinding).join('\n')}`);
  }
  const { stack } = synthesis;
  // Deep copies: the patches below must not touch the construct tree's output.
  const objects: K8sObject[] = JSON.parse(JSON.stringify(synthesis.files.flatMap((f) => f.objects)));

  // An in-cluster database gets a generated password (filled in by the program) through the
  // Postgres construct's own Secret mapping; dev's literal devPassword is dropped, staging's
  // out-of-band Secret is created.
  let credentials: CredentialsPlan | undefined;
  const literal = env.database.kind === 'in-cluster' ? env.database.devPassword : undefined;
  const db = stack.database;
  if (db instanceof Postgres) {
    const namespace = db.namespace ?? env.namespace;
    const index = objects.findIndex((o) => o.kind === 'Secret' && o.metadata.name === db.secretName && o.metadata.namespace === namespace);
    let secret: K8sObject;
    if (index >= 0) {
      secret = objects[index];
      delete secret.stringData;
      delete (secret as Record<string, unknown>).data;
    } else {
      secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: db.secretName, namespace, labels: stack.chart.labels } };
      if (env.argo) {
        // Argo CD tracks objects by the app.kubernetes.io/instance label this Secret carries; it is not
        // in Git, so keep Argo from pruning it or reporting the app out of sync.
        secret.metadata.annotations = {
          ...(secret.metadata.annotations as Record<string, string> | undefined),
          'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
          'argocd.argoproj.io/sync-options': 'Prune=false',
        };
      }
      const after = objects.filter((o) => o.kind === 'Namespace').length;
      objects.splice(after, 0, secret);
    }
    credentials = {
      key: objectKey(secret),
      namespace: secret.metadata.namespace ?? env.namespace,
      name: secret.metadata.name,
      fill: (password) => db.connectionSecretData(password),
      inYaml: index >= 0,
    };
  }
  const leaked = objects.filter((o) => {
    const json = JSON.stringify(o);
    return literal !== undefined && json.includes(literal.unsafeUnwrap());
  });
  if (leaked.length > 0) {
    throw new KstackDeployError(`${env.name}: a database password would reach ${leaked.map(objectKey).join(', ')}`);
  }

  // Images built from sources.
  const workloads = describeStack(synthesis.app).workloads;
  const built = workloads.filter((w) => w.build !== undefined);
  const missing: string[] = [];
  for (const w of built) {
    const contextDir = path.resolve(opts.rootDir, w.build!.context);
    const dockerfile = path.resolve(contextDir, w.build!.dockerfile);
    if (!fs.existsSync(contextDir) || !fs.statSync(contextDir).isDirectory())
      missing.push(`build context of '${w.name}' not found: ${contextDir}`);
    else if (!fs.existsSync(dockerfile)) missing.push(`Dockerfile of '${w.name}' not found: ${dockerfile}`);
  }
  if (missing.length > 0) throw new KstackDeployError(`${env.name}: ${missing.join('; ')}`);

  const images: ImagePlan[] = [];
  const imageRefs: Record<string, string> = {};
  for (const w of workloads) imageRefs[w.name] = w.image;
  for (const w of built) {
    const contextDir = path.resolve(opts.rootDir, w.build!.context);
    const dockerfileAbs = path.resolve(contextDir, w.build!.dockerfile);
    const contextHash = hashBuildContext(contextDir, w.build!.dockerfile);
    const tag = contextHash.slice(0, 16);
    const parsed = parseImage(w.image);
    let buildName: string;
    let pullName: string;
    if (opts.imageMode === 'docker-env') {
      buildName = pullName = `${parsed.registry ? `${parsed.registry}/` : ''}${parsed.repository}:${tag}`;
    } else {
      const registry = opts.registry ?? parsed.registry;
      if (!registry) {
        throw new KstackDeployError(
          `${env.name}: '${w.name}' is built from ${w.build!.context} but no registry is known; set kstack:registry (e.g. localhost:5000)`,
        );
      }
      buildName = `${registry}/${parsed.repository}:${tag}`;
      pullName = `${opts.clusterRegistry ?? registry}/${parsed.repository}:${tag}`;
    }
    const usedBy: string[] = [];
    for (const obj of objects) {
      if (!POD_KINDS.has(obj.kind)) continue;
      const spec = podSpecOf(obj);
      let used = false;
      for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
        if (c.image === w.image) {
          c.image = pullName;
          used = true;
        }
      }
      if (used) usedBy.push(objectKey(obj));
    }
    if (usedBy.length === 0) throw new KstackDeployError(`${env.name}: no container uses the image '${w.image}' of '${w.name}'`);
    const rel = (p: string) => path.relative(cwd, p).split(path.sep).join('/') || '.';
    images.push({
      workload: w.name,
      sourceImage: w.image,
      repository: parsed.repository,
      context: rel(contextDir),
      dockerfile: rel(dockerfileAbs),
      contextHash,
      tag,
      buildName,
      pullName,
      push: opts.imageMode === 'registry',
      usedBy,
    });
    imageRefs[w.name] = pullName;
  }

  return {
    env,
    namespace: env.namespace,
    appUrl: `${env.tls ? 'https' : 'http'}://${env.host}`,
    objects,
    images,
    credentials,
    imageRefs,
  };
}
