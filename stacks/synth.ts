import { App, Yaml } from 'cdk8s';
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
}

/** Builds one environment's construct tree and resolves it to plain objects. No I/O. */
export function synthesizeEnv(env: EnvConfig): EnvSynthesis {
  const app = new App();
  const stack = buildAppStack(app, env);
  const files: OutputFile[] = [{ path: 'app.k8s.yaml', objects: stack.chart.toJson() }];
  if (stack.argoChart) files.push({ path: 'argocd/application.k8s.yaml', objects: stack.argoChart.toJson() });
  return { env, stack, files };
}

/** Multi-document YAML, the same bytes for the same objects. */
export function toYaml(objects: readonly K8sObject[]): string {
  return Yaml.stringify(...objects);
}
