/**
 * `kstack/pulumi`: deploy a tree of kstack constructs with Pulumi. Needs the optional peer
 * dependencies @pulumi/pulumi, @pulumi/kubernetes, @pulumi/docker and @pulumi/random;
 * `require('kstack')` never loads them.
 */
export * from './deployment';
export * from './cluster';
export { planDeployment, resourceName } from './plan';
export type { DeploymentPlan, DeploymentPlanOptions, DeploymentOutputs, PlannedObject } from './plan';
export { parseImage, workloadKey } from './images';
export type { ImageMode, ImageOptions, ImagePlan } from './images';
export type { CredentialsPlan } from './credentials';
export { orderObjects, roleOf, isBuiltinKind } from './order';
export type { ObjectRole, OrderedObject } from './order';
export { contextFiles, hashBuildContext } from './context-hash';
