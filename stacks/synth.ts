import { App } from 'cdk8s';
import { gateManifests, K8sObject, resolveCharts } from '../lib/synth';
import { Finding, SchemaResultCache } from '../lib/validate';
import { ComposeProject, ComposeRenderOptions, renderCompose } from '../lib/compose';
import { AppStack, buildAppStack } from './app-stack';
import { EnvConfig } from './environments';

export type { K8sObject } from '../lib/synth';

/** One file of output, relative to dist/<env>/. */
export interface OutputFile {
  readonly path: string;
  readonly objects: readonly K8sObject[];
}

export interface EnvSynthesis {
  readonly env: EnvConfig;
  readonly stack: AppStack;
  /** The files of dist/<env>/, in a fixed order. */
  readonly files: readonly OutputFile[];
  /** What the validation gate found in all files (waived findings included, marked `waived`). */
  readonly findings: readonly Finding[];
}

export interface SynthOptions {
  /** Remembers objects that passed their schema, so unchanged objects skip it (bin/ keeps one on disk). */
  readonly schemaCache?: SchemaResultCache;
}

/** Builds one environment's construct tree, resolves it to plain objects and gates them (lib/synth.ts). No I/O. */
export function synthesizeEnv(env: EnvConfig, options: SynthOptions = {}): EnvSynthesis {
  const app = new App();
  const stack = buildAppStack(app, env);
  const manifests = resolveCharts(app);
  const objectsOf = (chart: unknown) => manifests.find((m) => m.chart === chart)!.objects;
  const files: OutputFile[] = [{ path: 'app.k8s.yaml', objects: objectsOf(stack.chart) }];
  if (stack.argoChart) files.push({ path: 'argocd/application.k8s.yaml', objects: objectsOf(stack.argoChart) });
  const findings = gateManifests(manifests, { env: env.name, schemaCache: options.schemaCache });
  return { env, stack, files, findings };
}

/**
 * The Docker Compose project of one environment (dist/<env>/compose/): docker-compose.yml,
 * nginx/nginx.conf and .env.example, rendered from the same construct tree. No I/O.
 * `contextRoot` is the path from the compose folder to the repository root. @default '../../..'
 */
export function synthesizeCompose(
  result: EnvSynthesis,
  options: Pick<ComposeRenderOptions, 'contextRoot' | 'publish'> = {},
): ComposeProject {
  return renderCompose(result.stack.chart.node.root, {
    ...options,
    projectName: `${result.env.app}-${result.env.name}`,
    source: `the '${result.env.name}' environment (stacks/environments.ts)`,
    regenerateCommand: `npm run synth -- --target compose --env ${result.env.name}`,
  });
}
