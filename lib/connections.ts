/**
 * Who may talk to whom, as typed wiring (in the spirit of cdk8s-plus `connections`): a workload's
 * `connections.allowFrom(peer)` / `allowTo(peer)` take another kstack workload or database, or a
 * peer outside the tree (`Peer.internet()`, `Peer.cidr(...)`, `Peer.namespace(...)`) with ports.
 * Kubernetes gets NetworkPolicies under the namespace's default-deny; the description records each
 * connection for the other targets (the graph draws them, Compose says it restricts nothing).
 */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { propError } from './internal/errors';
import { names } from './internal/names';
import { ClientPolicies, clientPolicies, namespacePeer, NetworkPolicyPeer, portPolicy } from './internal/network';
import { checkHost, checkInteger, checkName, checkOptionalObject } from './internal/validation';
import { checkCidr } from './internal/cidr';

type Labels = Readonly<Record<string, string>>;

/** A peer of a connection, as the description records it. */
export type PeerDescription =
  | {
      /** A workload or database of the construct tree. */
      readonly kind: 'workload';
      readonly name: string;
      readonly namespace?: string;
      /** Its construct path. */
      readonly path: string;
    }
  | {
      /** Every pod of another namespace (e.g. an ingress controller's). */
      readonly kind: 'namespace';
      readonly namespace: string;
    }
  | {
      /** Addresses outside the tree: 'internet' (public addresses) or CIDR blocks. */
      readonly kind: 'addresses';
      /** Short id used in object names, e.g. 'internet' or 'cidr-10-0-0-0-8'. */
      readonly id: string;
      readonly blocks: readonly { readonly cidr: string; readonly except: readonly string[] }[];
    };

/** One allowed connection, seen from the workload that holds it. */
export interface ConnectionDescription {
  /** The other end. */
  readonly peer: PeerDescription;
  /** TCP ports the connection may use (the server's port for connections inside the tree). */
  readonly ports: readonly number[];
  /**
   * Host names reached through an outbound rule, kept as documentation: NetworkPolicy matches
   * addresses, never names, so the rule admits whatever the addresses are.
   */
  readonly hosts: readonly string[];
  /** Why the connection exists, e.g. "database 'db'" or "route /api". */
  readonly reason?: string;
}

/** Both directions of a workload's connections. */
export interface ConnectionsDescription {
  readonly inbound: readonly ConnectionDescription[];
  readonly outbound: readonly ConnectionDescription[];
}

/** A peer outside the construct tree. Make one with {@link Peer}. */
export interface IPeer {
  /** What the description records. */
  readonly peer: Exclude<PeerDescription, { kind: 'workload' }>;
}

/** Private, link-local (cloud metadata) and shared address space: not "the internet". */
const NON_PUBLIC_V4 = ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];
const NON_PUBLIC_V6 = ['fc00::/7', 'fe80::/10'];

/** Peers outside the construct tree. */
export class Peer {
  /**
   * Public addresses: 0.0.0.0/0 and ::/0 except private, shared, link-local and cloud-metadata
   * ranges. Use with outbound calls to SaaS APIs (OpenAI, Stripe...), naming the host in `hosts`.
   */
  static internet(): IPeer {
    return {
      peer: {
        kind: 'addresses',
        id: 'internet',
        blocks: [
          { cidr: '0.0.0.0/0', except: NON_PUBLIC_V4 },
          { cidr: '::/0', except: NON_PUBLIC_V6 },
        ],
      },
    };
  }

  /** Addresses in a CIDR block (IPv4 or IPv6), optionally minus some sub-blocks. Checked when used. */
  static cidr(cidr: string, options: { readonly except?: readonly string[] } = {}): IPeer {
    const id = `cidr-${String(cidr)
      .replace(/[^a-z0-9]+/gi, '-')
      .toLowerCase()}`;
    return { peer: { kind: 'addresses', id, blocks: [{ cidr, except: [...(options.except ?? [])] }] } };
  }

  /** Every pod of a namespace (e.g. a monitoring stack's). Checked when used. */
  static namespace(name: string): IPeer {
    return { peer: { kind: 'namespace', namespace: name } };
  }
}

/** Anything with connections: kstack's workloads and databases. */
export interface IConnectable extends IConstruct {
  /** Its connections. */
  readonly connections: Connections;
}

/** Options of one connection. */
export interface ConnectionOptions {
  /** TCP ports. @default - the server's port for a kstack peer; required for a peer outside the tree */
  readonly ports?: readonly number[];
  /** Host names this outbound rule is for, kept as documentation (NetworkPolicy cannot match names). @default - none */
  readonly hosts?: readonly string[];
  /** Why the connection exists, for the description and the graph. @default - none */
  readonly reason?: string;
}

/** What a construct tells its Connections about itself. */
export interface ConnectionsProps {
  /** Object name of the workload or database. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace?: string;
  /** Labels selecting its pods; undefined when it has none in the cluster (a managed database). */
  readonly podSelector?: Labels;
  /** Adds a label to its pod templates; undefined when it has no pods. */
  readonly addPodLabel?: (key: string, value: string) => void;
  /** Port it serves in-tree clients on; undefined when it accepts none. */
  readonly serverPort?: number;
}

/**
 * The connections of one workload or database. Connections inside the tree use an access label:
 * the server admits pods carrying `access.kstack.dev/<server>` (two policies per server, whatever
 * the number of clients), and a client gets the label on its pod template. Peers outside the tree
 * get one NetworkPolicy per peer, its ports gathered from every call.
 */
export class Connections {
  private readonly inbound: ConnectionDescription[] = [];
  private readonly outbound: ConnectionDescription[] = [];
  private readonly external = new Map<string, { ports: number[]; hosts: string[]; policy: ApiObject }>();
  /** The server-side policies (undefined when the construct accepts no in-tree clients). */
  readonly clientPolicies?: ClientPolicies;

  constructor(
    private readonly owner: Construct,
    private readonly props: ConnectionsProps,
  ) {
    if (props.serverPort !== undefined) {
      this.clientPolicies = clientPolicies(owner, {
        allowName: names.allowClients(props.name),
        egressName: names.clientEgress(props.name),
        serverSelector: props.podSelector,
        accessLabel: names.accessLabel(props.name),
        port: props.serverPort,
      });
    }
  }

  /** What the description records: every connection in both directions. */
  get description(): ConnectionsDescription {
    return { inbound: [...this.inbound], outbound: [...this.outbound] };
  }

  /** The NetworkPolicies made for peers outside the tree, by peer id ('egress:internet', 'ingress:ns-monitoring'). */
  get peerPolicies(): ReadonlyMap<string, ApiObject> {
    return new Map([...this.external].map(([k, v]) => [k, v.policy]));
  }

  /** Lets `peer` connect to this workload. */
  allowFrom(peer: IConnectable | IPeer, options: ConnectionOptions = {}): void {
    if (isConnectable(peer)) this.admitClient(peer, options, 'allowFrom');
    else this.addExternal('Ingress', peer, options, 'allowFrom');
  }

  /** Lets this workload connect to `peer`. */
  allowTo(peer: IConnectable | IPeer, options: ConnectionOptions = {}): void {
    if (isConnectable(peer)) peer.connections.admitClient(this.ownerConnectable(), options, 'allowTo', this.owner.node.path);
    else this.addExternal('Egress', peer, options, 'allowTo');
  }

  /** Records an inbound connection made by a router, whose policy the router itself renders. */
  recordInbound(peer: PeerDescription, ports: readonly number[], reason: string): void {
    this.inbound.push({ peer, ports: [...ports], hosts: [], reason });
  }

  /** Labels selecting this workload's pods (for routers that render their own admission policies). */
  get podSelector(): Labels | undefined {
    return this.props.podSelector;
  }

  /** This workload as the peer of a connection. */
  get asPeer(): PeerDescription {
    return { kind: 'workload', name: this.props.name, namespace: this.props.namespace, path: this.owner.node.path };
  }

  private ownerConnectable(): IConnectable {
    return this.owner as unknown as IConnectable;
  }

  private admitClient(client: IConnectable, options: ConnectionOptions, method: string, callerPath = this.owner.node.path): void {
    const path = callerPath;
    const port = this.props.serverPort;
    if (port === undefined) throw propError(path, method, `cannot take ${this.owner.node.path}: it accepts no connections`, client);
    const theirs = client.connections;
    if (theirs.props.addPodLabel === undefined) {
      throw propError(path, method, `cannot take ${client.node.path}: it has no pods in the cluster to label`, client);
    }
    if (theirs.props.namespace !== this.props.namespace) {
      throw propError(
        path,
        method,
        `must connect workloads of one namespace (${this.props.namespace ?? 'default'}); ${client.node.path} is in ${theirs.props.namespace ?? 'default'}`,
        client,
      );
    }
    checkPorts(path, `${method}.ports`, options.ports);
    if (options.ports !== undefined && options.ports.some((p) => p !== port)) {
      throw propError(
        path,
        `${method}.ports`,
        `must be [${port}] or left out: ${this.props.name} serves in-tree clients on ${port}`,
        options.ports,
      );
    }
    if (this.inbound.some((c) => c.peer.kind === 'workload' && c.peer.path === client.node.path)) return;
    theirs.props.addPodLabel(names.accessLabel(this.props.name), 'true');
    this.inbound.push({ peer: theirs.asPeer, ports: [port], hosts: [], reason: options.reason });
    theirs.outbound.push({ peer: this.asPeer, ports: [port], hosts: [], reason: options.reason });
  }

  private addExternal(direction: 'Ingress' | 'Egress', peer: IPeer, options: ConnectionOptions, method: string): void {
    const path = this.owner.node.path;
    checkOptionalObject(path, `${method}.options`, options);
    const described = checkPeer(path, `${method}.peer`, peer);
    if (this.props.podSelector === undefined) throw propError(path, method, 'cannot be used: this has no pods in the cluster', described);
    const ports = options.ports ?? (direction === 'Ingress' && this.props.serverPort !== undefined ? [this.props.serverPort] : undefined);
    if (ports === undefined || ports.length === 0) {
      throw propError(path, `${method}.ports`, 'must list the TCP ports of a peer outside the tree, such as [443]', options.ports);
    }
    checkPorts(path, `${method}.ports`, ports);
    const hosts = options.hosts ?? [];
    if (!Array.isArray(hosts)) throw propError(path, `${method}.hosts`, "must be a list of host names such as ['api.openai.com']", hosts);
    hosts.forEach((h, i) => checkHost(path, `${method}.hosts[${i}]`, h));
    const peerId = described.kind === 'namespace' ? `ns-${described.namespace}` : described.id;
    const key = `${direction === 'Egress' ? 'egress' : 'ingress'}:${peerId}`;
    let entry = this.external.get(key);
    if (!entry) {
      const state = { ports: [] as number[], hosts: [] as string[] };
      const policy = portPolicy(this.owner, `${direction === 'Egress' ? 'EgressTo' : 'IngressFrom'}-${peerId}`, {
        name: direction === 'Egress' ? names.egressTo(this.props.name, peerId) : names.ingressFrom(this.props.name, peerId),
        podSelector: this.props.podSelector,
        direction,
        peers: networkPeers(described),
        ports: () => state.ports,
        annotations: direction === 'Egress' ? egressNote(state.hosts) : undefined,
      });
      entry = { ...state, policy };
      this.external.set(key, entry);
    }
    for (const p of ports) if (!entry.ports.includes(p)) entry.ports.push(p);
    for (const h of hosts) if (!entry.hosts.includes(h)) entry.hosts.push(h);
    entry.ports.sort((a, b) => a - b);
    entry.hosts.sort();
    const list = direction === 'Egress' ? this.outbound : this.inbound;
    list.push({ peer: described, ports: [...ports], hosts: [...hosts], reason: options.reason });
  }
}

function isConnectable(peer: unknown): peer is IConnectable {
  return typeof peer === 'object' && peer !== null && (peer as Partial<IConnectable>).connections instanceof Connections;
}

function checkPorts(path: string, prop: string, ports: readonly number[] | undefined): void {
  if (ports === undefined) return;
  if (!Array.isArray(ports)) throw propError(path, prop, 'must be a list of TCP ports such as [443]', ports);
  ports.forEach((p, i) => checkInteger(path, `${prop}[${i}]`, p, 1, 65535));
}

function checkPeer(path: string, prop: string, peer: IPeer): IPeer['peer'] {
  const p = (peer as Partial<IPeer> | null)?.peer;
  if (typeof p !== 'object' || p === null || (p.kind !== 'namespace' && p.kind !== 'addresses')) {
    throw propError(path, prop, 'must be a kstack workload or database, or Peer.internet(), Peer.cidr(...) or Peer.namespace(...)', peer);
  }
  if (p.kind === 'namespace') checkName(path, `${prop}.namespace`, p.namespace);
  else {
    for (const b of p.blocks) {
      checkCidr(path, `${prop}.cidr`, b.cidr);
      b.except.forEach((e, i) => checkCidr(path, `${prop}.except[${i}]`, e, b.cidr));
    }
  }
  return p;
}

function networkPeers(peer: IPeer['peer']): NetworkPolicyPeer[] {
  if (peer.kind === 'namespace') return [namespacePeer(peer.namespace)];
  return peer.blocks.map((b) => ({ ipBlock: { cidr: b.cidr, except: b.except.length > 0 ? [...b.except] : undefined } }));
}

/** The annotation every outbound policy carries: what the hosts are, and that NetworkPolicy cannot match them. */
function egressNote(hosts: readonly string[]): Record<string, string> {
  return {
    'kstack.dev/note': 'NetworkPolicy matches addresses, not host names: this rule admits every address of its ipBlocks on its ports',
    // Read at synthesis: hosts named by later allowTo calls are listed too.
    'kstack.dev/hosts': Lazy.any({ produce: () => hosts.join(',') || '(none named)' }) as unknown as string,
  };
}
