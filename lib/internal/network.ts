import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { IIoK8sApiNetworkingV1NetworkPolicyPeer as NetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import { networkPolicy } from './plain-object';

export type { NetworkPolicyPeer };
type Labels = Readonly<Record<string, string>>;

/** Pods of another namespace, selected by the namespace name label every cluster sets. */
export function namespacePeer(namespace: string): NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } };
}

/** A policy's ports: TCP, in the order given. */
function tcp(ports: readonly number[]): { protocol: 'TCP'; port: number }[] {
  return ports.map((port) => ({ protocol: 'TCP' as const, port }));
}

/**
 * One NetworkPolicy with a single rule in one direction: `peers` may talk to (ingress) or be
 * reached from (egress) the selected pods on the TCP ports. An egress rule without peers allows
 * any address. `ports` is read at synthesis, so rules added later (additions methods) are in it.
 */
export function portPolicy(
  scope: Construct,
  id: string,
  opts: {
    name: string;
    podSelector: Labels;
    direction: 'Ingress' | 'Egress';
    peers?: readonly NetworkPolicyPeer[];
    /** The ports, or a function read at synthesis when rules may be added after construction. */
    ports: readonly number[] | (() => readonly number[]);
    annotations?: Readonly<Record<string, string>>;
  },
): ApiObject {
  const ports = opts.ports;
  const rule = (list: readonly number[]) => ({
    ports: tcp(list),
    ...(opts.direction === 'Ingress' ? { from: opts.peers && [...opts.peers] } : { to: opts.peers && [...opts.peers] }),
  });
  // A Lazy is resolved at synthesis; typed as the rule it produces.
  const rules = [
    typeof ports === 'function' ? (Lazy.any({ produce: () => rule(ports()) }) as unknown as ReturnType<typeof rule>) : rule(ports),
  ];
  return networkPolicy(scope, id, {
    metadata: { name: opts.name, annotations: opts.annotations ? { ...opts.annotations } : undefined },
    spec: {
      podSelector: { matchLabels: { ...opts.podSelector } },
      policyTypes: [opts.direction],
      ...(opts.direction === 'Ingress' ? { ingress: rules } : { egress: rules }),
    },
  });
}

/** The two policies that let a server's clients reach it under a default-deny namespace. */
export interface ClientPolicies {
  /** Admits pods carrying the access label to the server's port (none for a server outside the cluster). */
  readonly allowClients?: ApiObject;
  /** Lets pods carrying the access label connect to the server (any address on its port when it is outside the cluster). */
  readonly clientEgress: ApiObject;
}

/**
 * The server admits pods carrying `accessLabel`, and those pods may connect to the server.
 * `serverSelector` is undefined for a server outside the cluster (egress to any address on `port`).
 */
export function clientPolicies(
  scope: Construct,
  opts: { allowName: string; egressName: string; serverSelector?: Labels; accessLabel: string; port: number },
): ClientPolicies {
  const clients = { [opts.accessLabel]: 'true' };
  const ports = [opts.port];
  const allowClients = opts.serverSelector
    ? portPolicy(scope, 'AllowClients', {
        name: opts.allowName,
        podSelector: opts.serverSelector,
        direction: 'Ingress',
        peers: [{ podSelector: { matchLabels: clients } }],
        ports,
      })
    : undefined;
  const clientEgress = portPolicy(scope, 'ClientEgress', {
    name: opts.egressName,
    podSelector: clients,
    direction: 'Egress',
    peers: opts.serverSelector ? [{ podSelector: { matchLabels: { ...opts.serverSelector } } }] : undefined,
    ports,
  });
  return { allowClients, clientEgress };
}
