/**
 * Environments as a library feature: a chart per environment (dev, staging, prod...) whose
 * namespace, labels and "is this dev?" every construct under it can read. Constructs use it to
 * refuse what only dev may have (a literal password); the synth uses it to pick the gate's rules.
 */
import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { propError } from './internal/errors';
import { IMAGE_TAG, isLabelValue } from './internal/patterns';
import { checkName } from './internal/validation';

/** What identifies one environment. */
export interface EnvironmentProps {
  /** Environment name: the chart id and, by convention, its output folder (dist/<name>). */
  readonly name: string;
  /** Namespace of the environment's objects. */
  readonly namespace: string;
  /** Application name (label app.kubernetes.io/part-of; the instance label is '<app>-<name>'). */
  readonly app: string;
  /** Version label (app.kubernetes.io/version), usually the image tag. */
  readonly version: string;
  /** Whether this is a development environment (literal secrets tolerated, tags not pinned). @default - name is 'dev', 'development' or 'local' */
  readonly dev?: boolean;
}

/** What constructs read about the environment they are in. */
export interface EnvironmentInfo {
  readonly name: string;
  readonly namespace: string;
  readonly isDev: boolean;
}

const CONTEXT_KEY = 'kstack:environment';
const DEV_NAMES = new Set(['dev', 'development', 'local']);

/** Whether an environment name means development, for the gate and for constructs. */
export function isDevEnvironment(name: string): boolean {
  return DEV_NAMES.has(name);
}

/**
 * The chart of one environment: its namespace, the app.kubernetes.io labels (part-of, instance,
 * version, managed-by) on every object, and the environment recorded for the constructs below it.
 */
export function environmentChart(scope: App | IConstruct, props: EnvironmentProps): Chart {
  const path = 'environment';
  if (props === null || typeof props !== 'object')
    throw propError(path, 'props', 'must be an object with name, namespace, app and version', props);
  checkName(path, 'name', props.name);
  const at = props.name;
  checkName(at, 'app', props.app);
  if (props.app.length + props.name.length + 1 > 63) {
    throw propError(at, 'app', `must be at most ${62 - props.name.length} characters so that '<app>-<name>' is a label value`, props.app);
  }
  checkName(at, 'namespace', props.namespace);
  if (typeof props.version !== 'string' || !IMAGE_TAG.test(props.version) || !isLabelValue(props.version)) {
    throw propError(
      at,
      'version',
      "must be an image tag that is also a label value (letters, digits, '_', '.', '-', at most 63 characters), such as '1.4.2'",
      props.version,
    );
  }
  const isDev = props.dev ?? isDevEnvironment(props.name);
  if (typeof isDev !== 'boolean') throw propError(at, 'dev', 'must be true or false', props.dev);
  if (props.version === 'latest' && !isDev)
    throw propError(at, 'version', "must be a pinned version outside dev ('latest' is mutable)", props.version);
  const chart = new Chart(scope, props.name, {
    namespace: props.namespace,
    labels: {
      'app.kubernetes.io/part-of': props.app,
      'app.kubernetes.io/instance': `${props.app}-${props.name}`,
      'app.kubernetes.io/version': props.version,
      'app.kubernetes.io/managed-by': 'kstack',
    },
  });
  const info: EnvironmentInfo = { name: props.name, namespace: props.namespace, isDev };
  chart.node.setContext(CONTEXT_KEY, info);
  return chart;
}

/** The environment a construct is in, or undefined outside an environment chart. */
export function environmentOf(scope: IConstruct): EnvironmentInfo | undefined {
  const info = scope.node.tryGetContext(CONTEXT_KEY) as EnvironmentInfo | undefined;
  return info && typeof info === 'object' && typeof info.name === 'string' ? info : undefined;
}
