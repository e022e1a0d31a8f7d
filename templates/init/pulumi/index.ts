/**
 * `pulumi up`: deploys the environment the stack name selects (`pulumi stack init dev`) with
 * kstack's KstackDeployment: every object of the synthesized environment as its own resource, the
 * database password generated into the Secret when the environment gives none.
 * Config (Pulumi.<stack>.yaml): __NAME__:kubeContext (required), __NAME__:registry and
 * __NAME__:clusterRegistry (where images built from sources go), __NAME__:gatewayController.
 */
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { KstackUsageError, synthesizeEnvironment } from 'kstack';
import { GatewayController, KstackDeployment } from 'kstack/pulumi';
import stack from '../src/main';

const name = pulumi.getStack();
if (!Object.prototype.hasOwnProperty.call(stack.environments, name)) {
  throw new KstackUsageError(
    `unknown stack '${name}': the stack name selects the environment, one of ${Object.keys(stack.environments).join(', ')}`,
  );
}
const config = new pulumi.Config();

const deployment = new KstackDeployment(pulumi.getProject(), {
  synthesis: synthesizeEnvironment(stack, stack.environments[name]),
  kubeContext: config.require('kubeContext'),
  buildRoot: path.resolve(__dirname, '..', stack.buildRoot ?? '.'),
  images: { registry: config.get('registry'), clusterRegistry: config.get('clusterRegistry') },
  cluster: { gatewayController: (config.get('gatewayController') ?? 'none') as GatewayController },
});

/** http(s)://<host> of each router. */
export const urls = deployment.urls;
/** The image each workload runs, by '<namespace>/<workload>'. */
export const images = deployment.imageRefs;
