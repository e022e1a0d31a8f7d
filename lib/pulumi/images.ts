/**
 * The images a deployment builds from the workloads' `build` (no Pulumi, no Docker): each is
 * tagged with a content hash of its build context, and every container that ran the workload's
 * image runs the built one instead.
 */
import * as fs from 'fs';
import * as path from 'path';
import { KstackIoError, KstackPropError, KstackRenderError } from '../errors';
import type { K8sObject } from '../synth';
import type { WorkloadDescription } from '../workload';
import { hashBuildContext } from './context-hash';
import { keyOfObject } from './order';

/**
 * How built images reach the cluster. 'registry': pushed to a registry the host can reach and
 * pulled by the nodes under the registry's in-cluster name (k3d). 'docker-env': built into the
 * Docker daemon the nodes use (`eval $(minikube docker-env)`), never pushed.
 */
export type ImageMode = 'registry' | 'docker-env';

/** Where images built from `build` go. */
export interface ImageOptions {
  /** How built images reach the cluster. @default 'registry' */
  readonly mode?: ImageMode;
  /** Registry host the images are pushed to, e.g. 'localhost:5000' (registry mode). @default - the registry host of the workload's image */
  readonly registry?: string;
  /** The same registry as the nodes name it, e.g. 'k3d-kstack-registry:5000'. @default - registry */
  readonly clusterRegistry?: string;
  /** Build platform, e.g. 'linux/amd64'. @default - the Docker host's platform */
  readonly platform?: string;
}

/** One image built from sources. */
export interface ImagePlan {
  /** '<namespace>/<workload>' ('<workload>' without a namespace): the key of the image references output. */
  readonly key: string;
  /** Construct path of the workload. */
  readonly path: string;
  /** The image the synthesized objects name, replaced by `pullName`. */
  readonly sourceImage: string;
  /** Repository path without registry host or tag, e.g. 'kstack-backend'. */
  readonly repository: string;
  /** Build context, relative to the working directory (Pulumi runs the program in the project folder). */
  readonly context: string;
  /** Dockerfile, relative to the working directory. */
  readonly dockerfile: string;
  /** sha256 of the build context and Dockerfile. */
  readonly contextHash: string;
  /** Image tag: the first 16 hex characters of contextHash. */
  readonly tag: string;
  /** The name the image is built (and pushed) under. */
  readonly buildName: string;
  /** The name the pods pull. */
  readonly pullName: string;
  /** Whether the image is pushed to a registry. */
  readonly push: boolean;
  readonly platform?: string;
  /** Keys of the objects whose containers run this image. */
  readonly usedBy: readonly string[];
}

/** A workload as the deployment reads it: its description and construct path. */
export type WorkloadEntry = WorkloadDescription & { readonly path: string };

/** '<namespace>/<name>', or '<name>' without a namespace. */
export function workloadKey(w: Pick<WorkloadDescription, 'name' | 'namespace'>): string {
  return w.namespace ? `${w.namespace}/${w.name}` : w.name;
}

/** Splits an image reference into registry host (if any) and repository path; the tag or digest is dropped. */
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

const POD_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

interface Container {
  image?: string;
}

/** The containers and init containers of an object that runs pods. */
function containersOf(obj: K8sObject): Container[] {
  if (!POD_KINDS.has(obj.kind)) return [];
  const o = obj as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walks untyped synthesized JSON
  const spec = obj.kind === 'Pod' ? o.spec : obj.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

interface Build {
  readonly w: WorkloadEntry;
  readonly contextDir: string;
  readonly dockerfile: string;
}

/** Resolves and checks every build context and Dockerfile; all missing ones in one error. */
function resolveBuilds(at: string, built: readonly WorkloadEntry[], buildRoot: string | undefined): Build[] {
  if (built.length === 0) return [];
  if (typeof buildRoot !== 'string' || buildRoot === '') {
    throw KstackPropError.of(
      at,
      'buildRoot',
      `must be the folder the workloads' build contexts are relative to (your project root), since ${built[0].path} has 'build'`,
      buildRoot,
    );
  }
  const builds = built.map((w) => {
    const contextDir = path.resolve(buildRoot, w.build!.context);
    return { w, contextDir, dockerfile: path.resolve(contextDir, w.build!.dockerfile) };
  });
  const missing = builds.flatMap(({ w, contextDir, dockerfile }) => {
    if (!isKind(contextDir, 'dir')) return [`build context of '${w.name}' (${w.path}) not found: ${contextDir}`];
    if (!isKind(dockerfile, 'file')) return [`Dockerfile of '${w.name}' (${w.path}) not found: ${dockerfile}`];
    return [];
  });
  if (missing.length > 0) throw new KstackIoError(`${at}: ${missing.join('; ')}`, buildRoot);
  return builds;
}

function isKind(file: string, kind: 'dir' | 'file'): boolean {
  try {
    const stat = fs.statSync(file);
    return kind === 'dir' ? stat.isDirectory() : stat.isFile();
  } catch {
    return false;
  }
}

function hashContext(at: string, b: Build): string {
  try {
    return hashBuildContext(b.contextDir, b.w.build!.dockerfile);
  } catch (err) {
    if (err instanceof KstackIoError) throw err;
    throw new KstackIoError(
      `${at}: cannot read the build context of ${b.w.path} (${b.contextDir}): ${(err as Error).message}`,
      b.contextDir,
      {
        cause: err,
      },
    );
  }
}

/** Where one image is built and pulled from. */
function imageNames(at: string, b: Build, tag: string, options: ImageOptions): { buildName: string; pullName: string } {
  const parsed = parseImage(b.w.image);
  if (options.mode === 'docker-env') {
    const name = `${parsed.registry ? `${parsed.registry}/` : ''}${parsed.repository}:${tag}`;
    return { buildName: name, pullName: name };
  }
  const registry = options.registry ?? parsed.registry;
  if (!registry) {
    throw KstackPropError.of(
      at,
      'images.registry',
      `must name the registry to push to (e.g. 'localhost:5000'): ${b.w.path} is built from ${b.w.build!.context} and its image '${b.w.image}' names no registry host`,
      options.registry,
    );
  }
  return {
    buildName: `${registry}/${parsed.repository}:${tag}`,
    pullName: `${options.clusterRegistry ?? registry}/${parsed.repository}:${tag}`,
  };
}

/**
 * Plans one image per distinct built image and points every container that runs a workload's
 * image at the built one (`objects` are changed in place: pass copies).
 */
export function planImages(
  at: string,
  workloads: readonly WorkloadEntry[],
  objects: readonly K8sObject[],
  options: { readonly buildRoot?: string; readonly images?: ImageOptions },
): ImagePlan[] {
  const images = options.images ?? {};
  const plans = new Map<string, ImagePlan>();
  for (const b of resolveBuilds(
    at,
    workloads.filter((w) => w.build !== undefined),
    options.buildRoot,
  )) {
    const known = plans.get(b.w.image);
    const rel = (p: string) => path.relative(process.cwd(), p).split(path.sep).join('/') || '.';
    if (known) {
      // Two workloads may share an image only when they build it from the same sources.
      if (known.context !== rel(b.contextDir) || known.dockerfile !== rel(b.dockerfile)) {
        throw new KstackRenderError(
          `${at}: ${b.w.path} and ${known.path} name the same image '${b.w.image}' but build it from different contexts; give each its own image`,
        );
      }
      continue;
    }
    const contextHash = hashContext(at, b);
    const tag = contextHash.slice(0, 16);
    const { buildName, pullName } = imageNames(at, b, tag, images);
    const usedBy = objects.filter((obj) => containersOf(obj).some((c) => c.image === b.w.image)).map(keyOfObject);
    if (usedBy.length === 0) throw new KstackRenderError(`${at}: no container runs the image '${b.w.image}' of ${b.w.path}`);
    plans.set(b.w.image, {
      key: workloadKey(b.w),
      path: b.w.path,
      sourceImage: b.w.image,
      repository: parseImage(b.w.image).repository,
      context: rel(b.contextDir),
      dockerfile: rel(b.dockerfile),
      contextHash,
      tag,
      buildName,
      pullName,
      push: images.mode !== 'docker-env',
      platform: images.platform,
      usedBy,
    });
  }
  for (const obj of objects) {
    for (const c of containersOf(obj)) {
      const plan = c.image === undefined ? undefined : plans.get(c.image);
      if (plan) c.image = plan.pullName;
    }
  }
  return [...plans.values()];
}

/** The image reference each workload's pods run, by workloadKey. */
export function imageReferences(workloads: readonly WorkloadEntry[], images: readonly ImagePlan[]): Record<string, string> {
  const built = new Map(images.map((i) => [i.sourceImage, i.pullName]));
  return Object.fromEntries(workloads.map((w) => [workloadKey(w), built.get(w.image) ?? w.image]));
}
