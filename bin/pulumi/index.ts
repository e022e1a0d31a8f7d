/**
 * Pulumi entry point (Pulumi.yaml, loaded through bin/pulumi/main.js): deploys the environment
 * the stack name selects (bin/pulumi/program.ts) and exports its outputs.
 */
import { deployStack } from './program';

const deployment = deployStack();

/** Namespaces of the deployed objects. */
export const namespaces = deployment.namespaces;
/** http(s)://<host> of each router. */
export const urls = deployment.urls;
/** The image each workload's pods run, by '<namespace>/<workload>'. */
export const images = deployment.imageRefs;
