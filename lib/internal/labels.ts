import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  version: 'app.kubernetes.io/version',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** The instance a construct belongs to: the chart's instance label, else its namespace, else 'default'. */
export function instanceOf(scope: IConstruct): string {
  const chart = Chart.of(scope);
  return chart.labels[LABELS.instance] ?? chart.namespace ?? 'default';
}

/** The namespace objects of this scope land in (the chart's), or undefined for the kubeconfig default. */
export function namespaceOf(scope: IConstruct): string | undefined {
  return Chart.of(scope).namespace;
}

/** Labels that pick one workload's pods; stable over versions so selectors never change. */
export function selectorLabels(scope: IConstruct, name: string): Record<string, string> {
  return { [LABELS.name]: name, [LABELS.instance]: instanceOf(scope) };
}

/** Labels put on pod templates: the selector, the component, and the chart's common labels. */
export function podLabels(scope: IConstruct, name: string, component: string): Record<string, string> {
  return { ...Chart.of(scope).labels, ...selectorLabels(scope, name), [LABELS.component]: component };
}
