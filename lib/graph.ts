/**
 * The stack as a picture, drawn from the descriptions: workloads and their Services, routers
 * and their routes, databases (in the cluster or managed), peers outside the tree, and the
 * connections NetworkPolicies allow. Mermaid (for Markdown) or Graphviz DOT. Pure.
 */
import { PeerDescription } from './connections';
import { StackDescription } from './description';

export type GraphFormat = 'mermaid' | 'dot';

interface Node {
  readonly id: string;
  readonly label: string;
  readonly shape: 'service' | 'database' | 'router' | 'external';
  readonly group?: string;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  /** Traffic from outside the tree (dotted). */
  readonly dotted?: boolean;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A node id safe in both languages: letters, digits and '_'. */
function nodeId(kind: string, name: string): string {
  return `${kind}_${name}`.replace(/[^A-Za-z0-9_]/g, '_');
}

function peerNode(peer: Exclude<PeerDescription, { kind: 'workload' }>): Node {
  if (peer.kind === 'namespace') return { id: nodeId('ns', peer.namespace), label: `namespace ${peer.namespace}`, shape: 'external' };
  return {
    id: nodeId('net', peer.id),
    label: peer.id === 'internet' ? 'internet' : peer.blocks.map((b) => b.cidr).join(', '),
    shape: 'external',
  };
}

/** The nodes and edges of a stack: every entry once, edges de-duplicated, in a stable order. */
export function stackGraph(stack: StackDescription): { nodes: Node[]; edges: Edge[] } {
  const nodes = new Map<string, Node>();
  const edges = new Map<string, Edge>();
  const addEdge = (e: Edge) => edges.set(`${e.from}>${e.to}>${e.label}`, e);
  for (const w of stack.workloads) {
    const ports = w.ports.map((p) => p.port).join(', ');
    nodes.set(nodeId('w', w.name), {
      id: nodeId('w', w.name),
      label: `${w.name} (${w.component}, :${ports})`,
      shape: w.component === 'database' ? 'database' : 'service',
      group: w.namespace,
    });
  }
  for (const db of stack.databases.filter((d) => d.location === 'managed')) {
    nodes.set(nodeId('w', db.name), { id: nodeId('w', db.name), label: `${db.name} (managed PostgreSQL, :${db.port})`, shape: 'database' });
  }
  for (const r of stack.routers) {
    const id = nodeId('r', r.name);
    nodes.set(id, {
      id,
      label: `${r.name} (${r.kind}${r.host ? ` ${r.host}` : ''}${r.tls ? ', TLS' : ''})`,
      shape: 'router',
      group: r.namespace,
    });
    for (const route of r.routes) {
      addEdge({
        from: id,
        to: nodeId('w', route.backend.serviceName),
        label: `${route.path}${route.stripPrefix ? ' (prefix stripped)' : ''}`,
      });
    }
  }
  for (const w of stack.workloads) {
    for (const c of w.connections.outbound) {
      const to = c.peer.kind === 'workload' ? nodeId('w', c.peer.name) : peerNode(c.peer).id;
      if (c.peer.kind !== 'workload') nodes.set(to, peerNode(c.peer));
      addEdge({ from: nodeId('w', w.name), to, label: `:${c.ports.join(',')}${c.hosts.length > 0 ? ` ${c.hosts.join(', ')}` : ''}` });
    }
    for (const c of w.connections.inbound) {
      if (c.peer.kind === 'workload') {
        // A client that is not a described workload (a database's backup jobs): drawn here.
        const id = nodeId('w', c.peer.name);
        if (stack.workloads.some((x) => x.name === (c.peer as { name: string }).name)) continue;
        nodes.set(id, { id, label: `${c.peer.name} (${c.reason ?? 'client'})`, shape: 'service', group: c.peer.namespace });
        addEdge({ from: id, to: nodeId('w', w.name), label: `:${c.ports.join(',')}` });
        continue;
      }
      if ((c.reason ?? '').startsWith('route ')) continue; // drawn by the router
      const from = peerNode(c.peer);
      nodes.set(from.id, from);
      addEdge({ from: from.id, to: nodeId('w', w.name), label: `:${c.ports.join(',')}`, dotted: true });
    }
  }
  return {
    nodes: [...nodes.values()].sort((a, b) => byString(a.id, b.id)),
    edges: [...edges.values()].sort((a, b) => byString(`${a.from}>${a.to}>${a.label}`, `${b.from}>${b.to}>${b.label}`)),
  };
}

const quote = (s: string) => `"${s.replace(/"/g, "'")}"`;

function mermaid(nodes: Node[], edges: Edge[]): string {
  const shape = (n: Node) =>
    n.shape === 'database'
      ? `[(${quote(n.label)})]`
      : n.shape === 'router'
        ? `{{${quote(n.label)}}}`
        : n.shape === 'external'
          ? `((${quote(n.label)}))`
          : `[${quote(n.label)}]`;
  const lines = ['flowchart LR'];
  const groups = [...new Set(nodes.map((n) => n.group).filter((g): g is string => g !== undefined))].sort(byString);
  for (const g of groups) {
    lines.push(`  subgraph ${nodeId('ns', g)}_box[${quote(`namespace ${g}`)}]`);
    for (const n of nodes.filter((x) => x.group === g)) lines.push(`    ${n.id}${shape(n)}`);
    lines.push('  end');
  }
  for (const n of nodes.filter((x) => x.group === undefined)) lines.push(`  ${n.id}${shape(n)}`);
  for (const e of edges) lines.push(`  ${e.from} ${e.dotted ? '-.' : '--'} ${quote(e.label)} ${e.dotted ? '.->' : '-->'} ${e.to}`);
  return `${lines.join('\n')}\n`;
}

function dot(nodes: Node[], edges: Edge[]): string {
  const attrs = (n: Node) =>
    ({ database: 'shape=cylinder', router: 'shape=hexagon', external: 'shape=ellipse, style=dashed', service: 'shape=box' })[n.shape];
  const lines = ['digraph kstack {', '  rankdir=LR;', '  node [fontname="Helvetica"];'];
  const groups = [...new Set(nodes.map((n) => n.group).filter((g): g is string => g !== undefined))].sort(byString);
  for (const g of groups) {
    lines.push(`  subgraph cluster_${nodeId('ns', g)} {`, `    label=${quote(`namespace ${g}`)};`);
    for (const n of nodes.filter((x) => x.group === g)) lines.push(`    ${n.id} [label=${quote(n.label)}, ${attrs(n)}];`);
    lines.push('  }');
  }
  for (const n of nodes.filter((x) => x.group === undefined)) lines.push(`  ${n.id} [label=${quote(n.label)}, ${attrs(n)}];`);
  for (const e of edges) lines.push(`  ${e.from} -> ${e.to} [label=${quote(e.label)}${e.dotted ? ', style=dotted' : ''}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The picture of a stack in Mermaid or DOT: the same nodes and edges in both. */
export function renderGraph(stack: StackDescription, format: GraphFormat = 'mermaid'): string {
  const { nodes, edges } = stackGraph(stack);
  return format === 'dot' ? dot(nodes, edges) : mermaid(nodes, edges);
}
