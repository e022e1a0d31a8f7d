/**
 * This repository's Pulumi program: a thin reader of `kstack:*` stack config over the
 * KstackDeployment component. The stack name picks the environment of the stack definition
 * (stacks/index.ts); docs/pulumi.md has the keys. bin/pulumi/index.ts runs it.
 */
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { describeStack, KstackUsageError, StackDefinition, synthesizeEnvironment } from '../../lib';
import { KstackDeployment } from '../../lib/pulumi';
import definition from '../../stacks';
import { openSchemaCache } from '../internal/schema-cache';
import { readConfig } from './config';

const ROOT = path.resolve(__dirname, '..', '..');

/** Deploys the environment the stack name selects. */
export function deployStack(def: StackDefinition = definition, root = ROOT): KstackDeployment {
  const stack = pulumi.getStack();
  const env = Object.prototype.hasOwnProperty.call(def.environments, stack) ? def.environments[stack] : undefined;
  if (!env) {
    throw new KstackUsageError(
      `unknown stack '${stack}': the stack name selects the environment, one of ${Object.keys(def.environments).join(', ')} (pulumi stack init dev)`,
    );
  }
  const config = readConfig(stack);
  const schemaCache = openSchemaCache();
  const synthesis = synthesizeEnvironment(def, env, { schemaCache });
  schemaCache?.save();
  // The Gateway API is set up when the environment routes through it, unless kstack:gatewayApi says otherwise.
  const { routers } = describeStack(synthesis.app);
  const gatewayApi = config.gatewayApi ?? routers.some((r) => r.kind === 'gateway-api');
  const cluster = gatewayApi ? config.cluster : { ...config.cluster, gatewayController: 'none' as const, gatewayApiCrds: false };
  return new KstackDeployment('kstack', {
    synthesis,
    kubeContext: config.kubeContext,
    buildRoot: path.resolve(root, def.buildRoot ?? '.'),
    images: config.images,
    cluster,
  });
}
