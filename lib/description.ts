/**
 * The seam between constructs and targets. Every kstack construct answers `[DESCRIBE]()` with
 * its target-neutral description; `describeStack(scope)` gathers them from a construct tree, and
 * every renderer (Compose, the Pulumi component, the graph, the diff) reads that, never another
 * renderer's output. A construct of your own can take part by implementing `[DESCRIBE]`.
 */
import { IConstruct } from 'constructs';
import type { ApplicationDescription } from './argo-app';
import type { NamespaceDescription } from './app-namespace';
import type { DatabaseDescription } from './postgres';
import type { RouterDescription } from './routes';
import type { WorkloadDescription } from './workload';

/** The method every describable construct has (Symbol.for, so that two copies of kstack agree). */
export const DESCRIBE: unique symbol = Symbol.for('kstack.describe') as never;

/** What one construct describes; most describe one thing, an in-cluster database two. */
export interface Described {
  readonly workload?: WorkloadDescription;
  readonly database?: DatabaseDescription;
  readonly router?: RouterDescription;
  readonly namespace?: NamespaceDescription;
  readonly application?: ApplicationDescription;
}

/** A construct with a description. */
export interface IDescribed extends IConstruct {
  [DESCRIBE](): Described;
}

/** Everything a construct tree describes, each list in tree order, with the construct path of each entry. */
export interface StackDescription {
  readonly workloads: readonly (WorkloadDescription & { readonly path: string })[];
  readonly databases: readonly (DatabaseDescription & { readonly path: string })[];
  readonly routers: readonly (RouterDescription & { readonly path: string })[];
  readonly namespaces: readonly (NamespaceDescription & { readonly path: string })[];
  readonly applications: readonly (ApplicationDescription & { readonly path: string })[];
}

function isDescribed(c: IConstruct): c is IDescribed {
  return typeof (c as Partial<IDescribed>)[DESCRIBE] === 'function';
}

/** Gathers the descriptions of every construct under `scope` (an App, a chart, any construct). */
export function describeStack(scope: IConstruct): StackDescription {
  const out = { workloads: [], databases: [], routers: [], namespaces: [], applications: [] } as {
    workloads: (WorkloadDescription & { path: string })[];
    databases: (DatabaseDescription & { path: string })[];
    routers: (RouterDescription & { path: string })[];
    namespaces: (NamespaceDescription & { path: string })[];
    applications: (ApplicationDescription & { path: string })[];
  };
  for (const c of scope.node.findAll()) {
    if (!isDescribed(c)) continue;
    const d = c[DESCRIBE]();
    const path = c.node.path;
    if (d.workload) out.workloads.push({ ...d.workload, path });
    if (d.database) out.databases.push({ ...d.database, path });
    if (d.router) out.routers.push({ ...d.router, path });
    if (d.namespace) out.namespaces.push({ ...d.namespace, path });
    if (d.application) out.applications.push({ ...d.application, path });
  }
  return out;
}
