import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';

/**
 * Objects kstack writes as JSON itself (no cdk8s-plus L2 construct), as plain cdk8s ApiObjects
 * whose specs are typed by kubernetes-models (type imports only: nothing is loaded at run time).
 *
 * Why not the generated L1 classes of cdk8s-plus-27 (k8s.KubeNetworkPolicy...): on every synthesis
 * they convert their props to JSON once more after cdk8s has resolved them, copying each object
 * once per defined field (`reduce` with object spread); without that step these objects synthesize
 * 1.5-2x faster (NetworkPolicies are 8 of the 27 objects of a typical unit). ApiObject resolves
 * and sorts the same JSON, and the L1 converters emit fields in the same (alphabetical) order, so
 * the output is byte-identical (test/stacks snapshots).
 */
function plainObject(
  scope: Construct,
  id: string,
  apiVersion: string,
  kind: string,
  metadata: ApiObjectMetadata,
  spec: unknown,
): ApiObject {
  return new ApiObject(scope, id, { apiVersion, kind, metadata, spec });
}

export function networkPolicy(
  scope: Construct,
  id: string,
  props: { metadata: ApiObjectMetadata; spec: NonNullable<INetworkPolicy['spec']> },
): ApiObject {
  return plainObject(scope, id, 'networking.k8s.io/v1', 'NetworkPolicy', props.metadata, props.spec);
}

export function ingress(
  scope: Construct,
  id: string,
  props: { metadata: ApiObjectMetadata; spec: NonNullable<IIngress['spec']> },
): ApiObject {
  return plainObject(scope, id, 'networking.k8s.io/v1', 'Ingress', props.metadata, props.spec);
}

export function podDisruptionBudget(
  scope: Construct,
  id: string,
  props: { metadata: ApiObjectMetadata; spec: NonNullable<IPodDisruptionBudget['spec']> },
): ApiObject {
  return plainObject(scope, id, 'policy/v1', 'PodDisruptionBudget', props.metadata, props.spec);
}
