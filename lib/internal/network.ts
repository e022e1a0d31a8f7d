import { Construct } from 'constructs';
import type { IIoK8sApiNetworkingV1NetworkPolicyPeer as NetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import { networkPolicy } from './plain-object';

type Labels = Record<string, string>;

/** Pods of another namespace, selected by the namespace name label every cluster sets. */
function namespacePeer(namespace: string): NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } };
}

/**
 * One NetworkPolicy with a single rule in one direction: `peer` may talk to (ingress) or be reached
 * from (egress) the selected pods on TCP `port`. An egress rule without a peer allows any address.
 */
function portPolicy(
  scope: Construct,
  id: string,
  opts: {
    name: string;
    podSelector: Labels;
    direction: 'Ingress' | 'Egress';
    peer?: NetworkPolicyPeer;
    port: number;
  },
): void {
  const rule = {
    ports: [{ protocol: 'TCP' as const, port: opts.port }],
    ...(opts.direction === 'Ingress' ? { from: opts.peer && [opts.peer] } : { to: opts.peer && [opts.peer] }),
  };
  networkPolicy(scope, id, {
    metadata: { name: opts.name },
    spec: {
      podSelector: { matchLabels: opts.podSelector },
      policyTypes: [opts.direction],
      ...(opts.direction === 'Ingress' ? { ingress: [rule] } : { egress: [rule] }),
    },
  });
}

/** Admits pods of another namespace (e.g. the ingress controller's) to `port` of the selected pods. */
export function allowIngressFromNamespace(
  scope: Construct,
  id: string,
  opts: {
    name: string;
    podSelector: Labels;
    namespace: string;
    port: number;
  },
): void {
  portPolicy(scope, id, {
    name: opts.name,
    podSelector: opts.podSelector,
    direction: 'Ingress',
    peer: namespacePeer(opts.namespace),
    port: opts.port,
  });
}

/**
 * The two policies that let a server's clients reach it under a default-deny namespace:
 * the server admits pods carrying `accessLabel`, and those pods may connect to the server.
 * `serverSelector` is undefined for a server outside the cluster (egress to any address on `port`).
 */
export function allowClients(
  scope: Construct,
  opts: {
    server: string;
    serverSelector?: Labels;
    accessLabel: string;
    port: number;
  },
): void {
  const clients = { [opts.accessLabel]: 'true' };
  if (opts.serverSelector) {
    portPolicy(scope, 'AllowClients', {
      name: `${opts.server}-allow-clients`,
      podSelector: opts.serverSelector,
      direction: 'Ingress',
      peer: { podSelector: { matchLabels: clients } },
      port: opts.port,
    });
  }
  portPolicy(scope, 'ClientEgress', {
    name: `${opts.server}-client-egress`,
    podSelector: clients,
    direction: 'Egress',
    peer: opts.serverSelector ? { podSelector: { matchLabels: opts.serverSelector } } : undefined,
    port: opts.port,
  });
}
