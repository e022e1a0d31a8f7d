import { Problem } from './require';

/**
 * An AppNamespace inside a chart with a namespace must create that namespace: the chart's objects
 * are stamped with the chart's namespace, so another name leaves it uncreated and without the
 * default-deny NetworkPolicies (the gate's ref/namespace and policy/network-policy findings).
 */
export function namespaceMatchProblem(name: string, chartNamespace: string | undefined): Problem {
  if (chartNamespace === undefined || chartNamespace === name) return undefined;
  return `must be the namespace of its chart (${chartNamespace}): the chart's objects go to ${chartNamespace}, which would be neither created nor covered by the default-deny policies`;
}
