/**
 * The reference stack's environments through the library's synthesis (lib/stack.ts): the
 * helpers the tests and the benchmark use. No I/O.
 */
import {
  ComposeProject,
  ComposeRenderOptions,
  EnvironmentSynthesis,
  environmentCompose,
  synthesizeEnvironment,
  SynthesizeOptions,
} from '../lib';
import { AppStack, buildAppStack } from './app-stack';
import { EnvConfig } from './environments';
import stack from './index';

export type { K8sObject } from '../lib';

/** One reference environment, synthesized, with its composition's constructs. */
export interface EnvSynthesis extends EnvironmentSynthesis<EnvConfig> {
  readonly stack: AppStack;
}

/** Builds one environment's construct tree, resolves it to plain objects and gates them. No I/O. */
export function synthesizeEnv(env: EnvConfig, options: SynthesizeOptions = {}): EnvSynthesis {
  let built: AppStack | undefined;
  const result = synthesizeEnvironment({ ...stack, build: (app, e) => (built = buildAppStack(app, e)) }, env, options);
  return { ...result, stack: built! };
}

/** The Docker Compose project of one environment; `contextRoot` is the path from the compose folder to the repository root. */
export function synthesizeCompose(
  result: EnvSynthesis,
  options: Pick<ComposeRenderOptions, 'contextRoot' | 'publish' | 'backups'> = {},
): ComposeProject {
  return environmentCompose(result, {
    contextRoot: '../../..',
    ...options,
    source: `the '${result.env.name}' environment (stacks/environments.ts)`,
    regenerateCommand: `npm run synth -- --target compose --env ${result.env.name}`,
  });
}
