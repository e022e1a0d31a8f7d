/**
 * The shape of an in-cluster database's credentials Secret, from the Postgres construct itself:
 * a scratch Postgres with the same name, in a chart with the env chart's namespace and labels,
 * given a placeholder password. Pure (no Pulumi): the password is filled in at deploy time.
 */
import { App, Chart } from 'cdk8s';
import { Postgres } from '../../lib';
import { AppStack } from '../../stacks/app-stack';
import { K8sObject } from '../../stacks/synth';

/** Stands in for the generated password; replaced before anything is registered. */
export const PASSWORD_PLACEHOLDER = 'kstackPulumiGeneratedPasswordPlaceholder';

/** The credentials Secret object (stringData holds PASSWORD_PLACEHOLDER where the password goes). */
export function credentialsSecretShape(stack: AppStack): K8sObject {
  const db = stack.database;
  if (!(db instanceof Postgres)) throw new Error(`database '${db.name}' is not an in-cluster Postgres`);
  const chart = new Chart(new App(), 'credentials', { namespace: stack.chart.namespace, labels: { ...stack.chart.labels } });
  new Postgres(chart, db.name, { password: PASSWORD_PLACEHOLDER });
  const secret = chart.toJson().find((o: K8sObject) => o.kind === 'Secret');
  if (!secret || secret.metadata.name !== db.secretName) {
    throw new Error(`the credentials Secret of '${db.name}' is named '${secret?.metadata.name}', the workloads read '${db.secretName}'`);
  }
  return secret;
}
