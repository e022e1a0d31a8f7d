import { App, Chart } from 'cdk8s';
import { stringifyDocuments } from '../lib/internal/yaml';
import { collectGateContext, Finding, SchemaResultCache, validateObjects } from '../lib/validate';
import { ComposeProject, ComposeRenderOptions, renderCompose } from '../lib/compose';
import { AppStack, buildAppStack } from './app-stack';
import { EnvConfig } from './environments';

/** A synthesized Kubernetes object. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

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

/** Builds one environment's construct tree and resolves it to plain objects. No I/O. */
export function synthesizeEnv(env: EnvConfig, options: SynthOptions = {}): EnvSynthesis {
  const app = new App();
  const stack = buildAppStack(app, env);
  const files: OutputFile[] = [{ path: 'app.k8s.yaml', objects: stack.chart.toJson() }];
  if (stack.argoChart) files.push({ path: 'argocd/application.k8s.yaml', objects: stack.argoChart.toJson() });
  const findings = gateEnv(env.name, [stack.chart, ...(stack.argoChart ? [stack.argoChart] : [])], files.flatMap((f) => f.objects), options);
  return { env, stack, files, findings };
}

/**
 * The validation gate for one environment: every object of its charts, with construct paths,
 * waivers and external objects read from the construct tree. Callers fail on `gateErrors(findings)`.
 */
export function gateEnv(envName: string, charts: readonly Chart[], objects: readonly K8sObject[], options: SynthOptions = {}): Finding[] {
  return validateObjects(objects, { env: envName, ...collectGateContext(charts), schemaCache: options.schemaCache });
}

/** Multi-document YAML, the same bytes for the same objects (js-yaml, see lib/internal/yaml.ts). */
export function toYaml(objects: readonly K8sObject[]): string {
  return stringifyDocuments(objects);
}

/**
 * The Docker Compose project of one environment (dist/<env>/compose/): docker-compose.yml,
 * nginx/nginx.conf and .env.example, rendered from the same construct tree. No I/O.
 * `contextRoot` is the path from the compose folder to the repository root. @default '../../..'
 */
export function synthesizeCompose(result: EnvSynthesis, options: Pick<ComposeRenderOptions, 'contextRoot' | 'publish'> = {}): ComposeProject {
  return renderCompose(result.stack.chart.node.root, {
    ...options,
    projectName: `${result.env.app}-${result.env.name}`,
    source: `the '${result.env.name}' environment (stacks/environments.ts)`,
    regenerateCommand: `npm run synth -- --target compose --env ${result.env.name}`,
  });
}
