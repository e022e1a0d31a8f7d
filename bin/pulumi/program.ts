/**
 * This repository's Pulumi program: a thin reader of `kstack:*` stack config over the
 * KstackDeployment component. The stack name picks the environment of the stack definition
 * (stacks/index.ts); docs/pulumi.md has the keys. bin/pulumi/index.ts runs it.
 */
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { describeStack, KstackUsageError, StackDefinition, synthesizeEnvironment } from '../../lib';
import { imageResourceName, KstackDeployment, workloadKey } from '../../lib/pulumi';
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
  const { routers, workloads } = describeStack(synthesis.app);
  const gatewayApi = config.gatewayApi ?? routers.some((r) => r.kind === 'gateway-api');
  const cluster = gatewayApi ? config.cluster : { ...config.cluster, gatewayController: 'none' as const, gatewayApiCrds: false };
  const name = 'kstack';
  return new KstackDeployment(
    name,
    {
      synthesis,
      kubeContext: config.kubeContext,
      buildRoot: path.resolve(root, def.buildRoot ?? '.'),
      images: config.images,
      cluster,
    },
    { transformations: [earlierNames(name, stack, workloads)] },
  );
}

/**
 * Aliases every resource to the name the program gave it before the KstackDeployment component
 * (top-level resources named '<kind>-<namespace>-<name>', 'k8s', 'image-<stack>-<workload>',
 * 'db-password-<namespace>-<secret>'). Without them, `pulumi up` over a stack of that program
 * creates every object again under its new URN and then deletes the old resource, and with it
 * the live object both name; the generated database password would be replaced too.
 */
export function earlierNames(
  deployment: string,
  stack: string,
  workloads: readonly { readonly name: string; readonly namespace?: string }[],
): pulumi.ResourceTransformation {
  const prefix = `${deployment}-`;
  const images = new Map(workloads.map((w) => [imageResourceName(deployment, workloadKey(w)), `image-${stack}-${w.name}`]));
  return ({ type, name, props, opts }) => {
    if (!name.startsWith(prefix) || type === KstackDeployment.TYPE) return undefined;
    const old = (type === 'docker:index/image:Image' ? images.get(name) : undefined) ?? name.slice(prefix.length);
    // An explicit URN: the earlier resource's only parent was the stack.
    return { props, opts: { ...opts, aliases: [...(opts.aliases ?? []), pulumi.createUrn(old, type)] } };
  };
}
