import { App, Chart } from 'cdk8s';
import { K8sObject } from '../stacks/synth';

/** A chart with the labels and namespace the stacks use, for construct tests. */
export function testChart(namespace = 'shop'): Chart {
  return new Chart(new App(), 'test', {
    namespace,
    labels: { 'app.kubernetes.io/instance': 'shop-test', 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/managed-by': 'kstack' },
  });
}

/** Finds exactly one object by kind and name; fails with the list of what exists. */
export function find(objects: readonly K8sObject[], kind: string, name: string): any {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${kind}/${name}, found ${found.length}; objects: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  }
  return found[0];
}

export function findAll(objects: readonly K8sObject[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

/** The pod spec of a Deployment, StatefulSet, Job or CronJob. */
export function podSpecOf(obj: any): any {
  return obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.spec : obj.spec.template.spec;
}

export function podTemplateLabelsOf(obj: any): Record<string, string> {
  return (obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.metadata.labels : obj.spec.template.metadata.labels) ?? {};
}

/** Runs fn and returns what it throws (fails when it does not throw). */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/** Runs fn and returns the message it throws (fails when it does not throw). */
export function errorOf(fn: () => unknown): string {
  return thrownBy(fn).message;
}
