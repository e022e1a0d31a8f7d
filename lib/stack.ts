/**
 * A stack definition: typed environments plus one function that composes an environment's
 * construct tree. It is what `kstack synth`, `kstack compose`, `kstack diff`, `kstack graph` and
 * the Pulumi component take from a user's program (`export default defineStack({...})`), and what
 * this repository's reference stacks (stacks/) are written as.
 */
import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ComposeProject, ComposeRenderOptions, renderCompose } from './compose';
import { EnvironmentProps, isDevEnvironment } from './environment';
import { propError } from './internal/errors';
import { checkName } from './internal/validation';
import { OutputContent, OutputWritten, writeOutput, WriteOutputOptions } from './output';
import { gateManifests, K8sObject, manifestFileChunks, manifestHeader, resolveCharts } from './synth';
import { assertGate, Finding, SchemaResultCache } from './validate';

/** What a stack's build function returns for one environment. */
export interface StackBuild {
  /**
   * The charts to write, by file path relative to the environment's folder, e.g.
   * `{ 'app.k8s.yaml': chart, 'argocd/application.k8s.yaml': argoChart }`.
   * @default - every chart of the app, as '<chart id>.k8s.yaml'
   */
  readonly files?: Readonly<Record<string, Chart>>;
}

/** Typed environments and the composition that turns one into a construct tree. */
export interface StackDefinition<E extends EnvironmentProps = EnvironmentProps> {
  /** The environments, by name (the name is also each one's `name`). */
  readonly environments: Readonly<Record<string, E>>;
  /** Composes one environment under `app` (e.g. with environmentChart(app, env)). */
  build(app: App, env: E): StackBuild | void;
  /** Environments whose Compose project `kstack synth` writes beside the YAML. @default - the dev environments */
  readonly composeEnvironments?: readonly string[];
  /** Folder (relative to the project root) the workloads' `build.context` paths are relative to. @default '.' */
  readonly buildRoot?: string;
}

/** One file of an environment's output: a path relative to the environment's folder and its objects. */
export interface OutputFile {
  readonly path: string;
  readonly objects: readonly K8sObject[];
}

/** One environment, built, resolved and gated: no I/O yet. */
export interface EnvironmentSynthesis<E extends EnvironmentProps = EnvironmentProps> {
  readonly env: E;
  /** The construct tree (every target reads its descriptions). */
  readonly app: App;
  /** What the build function returned. */
  readonly build: StackBuild;
  /** The files of the environment's folder, in a fixed order. */
  readonly files: readonly OutputFile[];
  /** Everything the validation gate found (waived findings included, marked `waived`). */
  readonly findings: readonly Finding[];
}

export interface SynthesizeOptions {
  /** Remembers objects that passed their schema, so unchanged objects skip it (the CLI keeps one on disk). @default - none */
  readonly schemaCache?: SchemaResultCache;
}

/** Checks a definition once, where it enters: environments named as their keys, a build function. */
export function defineStack<E extends EnvironmentProps>(definition: StackDefinition<E>): StackDefinition<E> {
  const path = 'stack';
  if (definition === null || typeof definition !== 'object')
    throw propError(path, 'definition', 'must be an object with environments and build', definition);
  if (typeof definition.build !== 'function')
    throw propError(path, 'build', 'must be a function (app, env) => { files }', definition.build);
  const envs = definition.environments;
  if (envs === null || typeof envs !== 'object' || Object.keys(envs).length === 0) {
    throw propError(path, 'environments', 'must name at least one environment, e.g. { dev, prod }', envs);
  }
  for (const [key, env] of Object.entries(envs)) {
    checkName(path, `environments.${key}`, key);
    if (env === null || typeof env !== 'object' || env.name !== key) {
      throw propError(path, `environments.${key}.name`, `must be '${key}' (the key it is listed under)`, env?.name);
    }
  }
  for (const name of definition.composeEnvironments ?? []) {
    if (!(name in envs))
      throw propError(path, 'composeEnvironments', `must name environments of the stack (${Object.keys(envs).join(', ')})`, name);
  }
  return definition;
}

/** The environments whose Compose project is written by default. */
export function composeEnvironments(definition: StackDefinition): string[] {
  return [
    ...(definition.composeEnvironments ??
      Object.values(definition.environments)
        .filter((e) => e.dev ?? isDevEnvironment(e.name))
        .map((e) => e.name)),
  ];
}

/** Builds one environment's construct tree, resolves it to plain objects and runs the gate. No I/O. */
export function synthesizeEnvironment<E extends EnvironmentProps>(
  definition: StackDefinition<E>,
  env: E,
  options: SynthesizeOptions = {},
): EnvironmentSynthesis<E> {
  const app = new App();
  const build = definition.build(app, env) ?? {};
  const manifests = resolveCharts(app);
  const byChart = new Map(manifests.map((m) => [m.chart, m]));
  const mapped = build.files ? Object.entries(build.files) : manifests.map((m) => [`${m.chart.node.id}.k8s.yaml`, m.chart] as const);
  const files: OutputFile[] = mapped.map(([file, chart]) => {
    const manifest = byChart.get(chart);
    if (!manifest)
      throw propError(
        env.name,
        `files.${file}`,
        'must be a chart of the app the build function was given',
        (chart as IConstruct)?.node?.path,
      );
    return { path: file, objects: manifest.objects };
  });
  const findings = gateManifests(manifests, { env: env.name, schemaCache: options.schemaCache });
  return { env, app, build, files, findings };
}

/**
 * The files of one environment's folder as `kstack synth` writes them: each chart's objects as
 * YAML, after kstack's gate header (the environment, the objects declared external, the waived
 * findings), so that `kstack validate <folder>` needs no flags. Content is made as it is written.
 */
export function environmentFiles(synthesis: EnvironmentSynthesis): [string, OutputContent][] {
  // The gate ran over every chart of the app: so does the header.
  const charts = synthesis.app.node.findAll().filter((c): c is Chart => c instanceof Chart);
  const header = manifestHeader(charts, synthesis.env.name, synthesis.findings);
  return synthesis.files.map((file) => [file.path, manifestFileChunks(header, file.objects)]);
}

/**
 * Writes one environment's files ({@link environmentFiles}) into `dir`, atomically
 * ({@link writeOutput}): files a previous call wrote that this one does not are removed, others
 * in the folder are left alone. Throws a KstackGateError, writing nothing, when the gate found errors.
 */
export function writeEnvironment(synthesis: EnvironmentSynthesis, dir: string, options: WriteOutputOptions = {}): OutputWritten {
  assertGate(synthesis.findings);
  return writeOutput(dir, environmentFiles(synthesis), options);
}

/**
 * The Compose project of one environment, rendered from the same construct tree: project name
 * '<app>-<env>'. `contextRoot` is the path from the compose folder to the folder build contexts
 * are relative to. No I/O.
 */
export function environmentCompose(
  synthesis: EnvironmentSynthesis,
  options: Omit<ComposeRenderOptions, 'projectName'> = {},
): ComposeProject {
  return renderCompose(synthesis.app, {
    projectName: `${synthesis.env.app}-${synthesis.env.name}`,
    source: `the '${synthesis.env.name}' environment`,
    ...options,
  });
}
