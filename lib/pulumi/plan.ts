/**
 * What a KstackDeployment registers, worked out without Pulumi: the charts' synthesized objects
 * after the validation gate (the same objects `kstack synth` writes), with built images and
 * generated database credentials planned, in registration order. Every bad input fails here,
 * as a KstackError, before any resource exists.
 */
import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { describeStack, StackDescription } from '../description';
import { environmentOf } from '../environment';
import { KstackPropError, KstackRenderError } from '../errors';
import type { EnvironmentSynthesis } from '../stack';
import { gateManifests, K8sObject, resolveCharts } from '../synth';
import { assertGate, Finding, SchemaResultCache } from '../validate';
import { CredentialsPlan, planCredentials } from './credentials';
import { ImageMode, ImageOptions, ImagePlan, imageReferences, planImages } from './images';
import { OrderedObject, orderObjects } from './order';

/** What a deployment deploys and how: everything but the cluster. */
export interface DeploymentPlanOptions {
  /** The construct tree of kstack constructs (its charts are resolved and gated here). Give this or `synthesis`. */
  readonly app?: App;
  /** Only these charts of `app`. @default - every chart of the app */
  readonly charts?: readonly Chart[];
  /** An environment already built and gated by synthesizeEnvironment: the objects of its files are deployed. Give this or `app`. */
  readonly synthesis?: EnvironmentSynthesis;
  /** Environment the gate checks for ('dev' relaxes image pinning and literal Secrets). @default - the charts' environment (environmentChart), else 'prod' */
  readonly environment?: string;
  /** The gate's schema-result cache. @default - every object is schema-checked */
  readonly schemaCache?: SchemaResultCache;
  /** Folder the workloads' `build.context` paths are relative to (your project root). @default - required when a workload has `build` */
  readonly buildRoot?: string;
  /** Where images built from `build` go. @default { mode: 'registry' } */
  readonly images?: ImageOptions;
  /** Generate the password of each in-cluster database and write its Secret. @default true */
  readonly generateCredentials?: boolean;
}

/** One object as the deployment registers it. */
export interface PlannedObject extends OrderedObject {
  /** Resource name: '<kind>-<namespace>-<name>' in lower case (no namespace part for a cluster-scoped object). */
  readonly name: string;
  /** Keys of the built images (ImagePlan.key) its containers run. */
  readonly images: readonly string[];
  /** Set on a database's Secret that the deployment fills with a generated password. */
  readonly credentials?: CredentialsPlan;
}

/** What the deployment outputs. */
export interface DeploymentOutputs {
  /** Namespaces of the deployed objects, in the order met. */
  readonly namespaces: readonly string[];
  /** http(s)://<host> of each router with a host. */
  readonly urls: readonly string[];
  /** The image each workload's pods run, by '<namespace>/<workload>'. */
  readonly images: Readonly<Record<string, string>>;
}

/** Everything a deployment registers, in order. */
export interface DeploymentPlan {
  /** Environment the gate checked for. */
  readonly environment: string;
  readonly objects: readonly PlannedObject[];
  readonly images: readonly ImagePlan[];
  readonly credentials: readonly CredentialsPlan[];
  /** The gate's findings (warnings and waivers: errors stop the plan). */
  readonly findings: readonly Finding[];
  /** The descriptions of the deployed charts (routers, workloads, databases...). */
  readonly description: StackDescription;
  readonly outputs: DeploymentOutputs;
}

const IMAGE_MODES: readonly ImageMode[] = ['registry', 'docker-env'];

interface Selection {
  readonly app: App;
  readonly chartPaths: readonly string[];
  readonly objects: K8sObject[];
  readonly findings: readonly Finding[];
  readonly environment: string;
}

/** Checks the options that are not checked where they are used. */
function checkOptions(at: string, o: DeploymentPlanOptions): void {
  if (o === null || typeof o !== 'object') throw KstackPropError.of(at, 'args', 'must be an object with app (or synthesis)', o);
  if ((o.app === undefined) === (o.synthesis === undefined)) {
    throw KstackPropError.of(at, 'app', 'must be given (a cdk8s App of kstack constructs), or synthesis instead, not both', o.app);
  }
  const images = o.images ?? {};
  if (typeof images !== 'object') throw KstackPropError.of(at, 'images', "must be an object such as { mode: 'registry' }", images);
  if (images.mode !== undefined && !IMAGE_MODES.includes(images.mode)) {
    throw KstackPropError.of(at, 'images.mode', `must be one of ${IMAGE_MODES.join(', ')}`, images.mode);
  }
  for (const key of ['registry', 'clusterRegistry', 'platform'] as const) {
    const v = images[key];
    if (v !== undefined && (typeof v !== 'string' || !/^\S+$/.test(v))) {
      throw KstackPropError.of(at, `images.${key}`, 'must be a non-empty string without spaces', v);
    }
  }
  if (o.generateCredentials !== undefined && typeof o.generateCredentials !== 'boolean') {
    throw KstackPropError.of(at, 'generateCredentials', 'must be true or false', o.generateCredentials);
  }
  if (o.environment !== undefined && (typeof o.environment !== 'string' || o.environment === '')) {
    throw KstackPropError.of(at, 'environment', "must be an environment name such as 'dev' or 'prod'", o.environment);
  }
}

function fromSynthesis(at: string, synthesis: EnvironmentSynthesis, charts: DeploymentPlanOptions['charts']): Selection {
  if (charts !== undefined)
    throw KstackPropError.of(at, 'charts', "must be left out with 'synthesis' (its files say which charts)", charts);
  const app = synthesis?.app;
  if (!isApp(app) || !Array.isArray(synthesis.files)) {
    throw KstackPropError.of(at, 'synthesis', 'must be what synthesizeEnvironment returned', synthesis);
  }
  const files = synthesis.build?.files;
  const selected = files ? Object.values(files) : app.node.findAll().filter((c): c is Chart => c instanceof Chart);
  return {
    app,
    chartPaths: selected.map((c) => c.node.path),
    objects: synthesis.files.flatMap((f) => f.objects),
    findings: synthesis.findings,
    environment: synthesis.env.name,
  };
}

function fromApp(at: string, app: App, o: DeploymentPlanOptions): Selection {
  if (!isApp(app)) throw KstackPropError.of(at, 'app', 'must be a cdk8s App of kstack constructs', app);
  let manifests = resolveCharts(app);
  if (o.charts !== undefined) {
    const wanted = new Set<Chart>(o.charts);
    const unknown = [...wanted].filter((c) => !manifests.some((m) => m.chart === c));
    if (unknown.length > 0) throw KstackPropError.of(at, 'charts', 'must be charts of the app', unknown[0]);
    manifests = manifests.filter((m) => wanted.has(m.chart));
  }
  const envs = [...new Set(manifests.map((m) => environmentOf(m.chart)?.name).filter((n): n is string => n !== undefined))];
  const environment = o.environment ?? (envs.length === 1 ? envs[0] : 'prod');
  return {
    app,
    chartPaths: manifests.map((m) => m.chart.node.path),
    objects: manifests.flatMap((m) => m.objects),
    findings: gateManifests(manifests, { env: environment, schemaCache: o.schemaCache }),
    environment,
  };
}

function isApp(app: unknown): app is App {
  return typeof app === 'object' && app !== null && typeof (app as App).synth === 'function' && typeof (app as App).node === 'object';
}

/** The descriptions of the constructs under the selected charts. */
function describeCharts(app: App, chartPaths: readonly string[]): StackDescription {
  const all = describeStack(app);
  const under = (e: { path: string }) => chartPaths.some((p) => e.path === p || e.path.startsWith(`${p}/`));
  return {
    workloads: all.workloads.filter(under),
    databases: all.databases.filter(under),
    routers: all.routers.filter(under),
    namespaces: all.namespaces.filter(under),
    applications: all.applications.filter(under),
  };
}

/** The resource name of an object: '<kind>-<namespace>-<name>' in lower case. */
export function resourceName(obj: K8sObject): string {
  return [obj.kind, obj.metadata.namespace, obj.metadata.name].filter(Boolean).join('-').toLowerCase();
}

function outputsOf(objects: readonly PlannedObject[], description: StackDescription, images: readonly ImagePlan[]): DeploymentOutputs {
  const namespaces = new Set<string>();
  for (const { object } of objects) {
    if (object.kind === 'Namespace' && object.apiVersion === 'v1') namespaces.add(object.metadata.name);
    if (object.metadata.namespace) namespaces.add(object.metadata.namespace);
  }
  const urls = new Set(description.routers.filter((r) => r.host).map((r) => `${r.tls ? 'https' : 'http'}://${r.host}`));
  return { namespaces: [...namespaces], urls: [...urls], images: imageReferences(description.workloads, images) };
}

/**
 * Plans a deployment: selects and gates the objects, plans the images and credentials, orders
 * everything. `at` names the deployment in error messages. Throws a KstackError on bad input.
 */
export function planDeployment(options: DeploymentPlanOptions, at = 'KstackDeployment'): DeploymentPlan {
  checkOptions(at, options);
  const selection = options.synthesis ? fromSynthesis(at, options.synthesis, options.charts) : fromApp(at, options.app!, options);
  assertGate(selection.findings);
  if (selection.objects.length === 0)
    throw KstackPropError.of(at, 'app', 'must have at least one chart with objects to deploy', selection.chartPaths);
  const description = describeCharts(selection.app, selection.chartPaths);
  // Copies: the changes below must not reach the construct tree's output.
  const objects: K8sObject[] = JSON.parse(JSON.stringify(selection.objects));
  const images = planImages(at, description.workloads, objects, options);
  const credentials =
    options.generateCredentials === false
      ? []
      : planCredentials(
          at,
          description.databases,
          new Map<string, IConstruct>(selection.app.node.findAll().map((c) => [c.node.path, c])),
          objects,
          description.applications,
        );
  const planned = orderObjects(objects).map((o): PlannedObject => ({
    ...o,
    name: resourceName(o.object),
    images: images.filter((i) => i.usedBy.includes(o.key)).map((i) => i.key),
    credentials: credentials.find((c) => c.key === o.key),
  }));
  const names = new Map<string, string>();
  for (const o of planned) {
    const other = names.get(o.name);
    if (other !== undefined) throw new KstackRenderError(`${at}: ${other} and ${o.key} would both be the resource '${o.name}': rename one`);
    names.set(o.name, o.key);
  }
  return {
    environment: selection.environment,
    objects: planned,
    images,
    credentials,
    findings: selection.findings,
    description,
    outputs: outputsOf(planned, description, images),
  };
}
