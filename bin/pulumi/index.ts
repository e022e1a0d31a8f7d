/**
 * Pulumi entry point (see Pulumi.yaml; loaded through bin/pulumi/main.js). The stack name selects
 * the environment; `kstack:*` config says where and how (docs/pulumi.md).
 */
import { deployKstack } from './program';

const deployment = deployKstack();

/** The environment's namespace. */
export const namespace = deployment.outputs.namespace;
/** http(s)://<host> of the environment's Ingress. */
export const appUrl = deployment.outputs.appUrl;
/** Image reference per workload, as the pods pull it. */
export const images = deployment.outputs.images;
