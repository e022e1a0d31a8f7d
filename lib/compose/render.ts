import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Document } from 'yaml';
import { NginxIngress } from '../nginx-ingress';
import { IPostgres } from '../postgres';
import { IWorkload, WorkloadComponent, WorkloadDescription } from '../workload';
import { backendServices } from './backend';
import { MappingContext, SecretEnv } from './context';
import { databaseServices } from './database';
import { frontendServices } from './frontend';
import { NGINX_IMAGE, NGINX_LISTEN_PORT, nginxService, renderNginxConf } from './nginx';
import { dataVolumeName } from './service';
import { ComposeFile, ComposeProject, ComposeService } from './types';

export interface ComposeRenderOptions {
  /**
   * Path from the folder the compose file is written to, to the folder the workloads'
   * `build.context` is relative to (the repository root). @default '../../..' (dist/<env>/compose/)
   */
  readonly contextRoot?: string;
  /** COMPOSE_PROJECT_NAME written to `.env.example` (a top-level `name:` is refused by docker-compose 1.29). @default 'kstack' */
  readonly projectName?: string;
  /** What the project was generated from, for the header, e.g. "environment 'dev'". @default 'the construct tree' */
  readonly source?: string;
  /** The command that regenerates the files, for the header. @default - none */
  readonly regenerateCommand?: string;
  /** Host address and port nginx is published on. @default '127.0.0.1:8080' */
  readonly publish?: string;
  /** Image of the nginx service. @default 'nginx:1.27-alpine' */
  readonly nginxImage?: string;
}

/** Kinds the Compose project expresses (as services, environment, volumes or nginx.conf). */
const MAPPED_KINDS = new Set(['ConfigMap', 'Deployment', 'Ingress', 'PersistentVolumeClaim', 'Secret', 'Service', 'StatefulSet']);
/** Why a kind has no Compose equivalent. */
const NOTES: Readonly<Record<string, string>> = {
  Application: 'Argo CD GitOps sync; Compose runs what `docker compose up` starts',
  CronJob: 'scheduled jobs (e.g. pg_dump backups); run them by hand with `docker compose exec`',
  HorizontalPodAutoscaler: 'autoscaling; Compose runs one container per service',
  LimitRange: 'namespace defaults for requests and limits',
  Namespace: 'the namespace; the Compose project (COMPOSE_PROJECT_NAME) isolates instead',
  NetworkPolicy: 'traffic rules; every service reaches every other on the project network (only nginx publishes a port)',
  PodDisruptionBudget: 'disruption budgets; Compose has no voluntary evictions',
  ResourceQuota: 'namespace quotas',
  ServiceAccount: 'service accounts; containers get no Kubernetes API credentials',
};
/** Order of services in the file: databases first, then what depends on them. */
const COMPONENT_ORDER: readonly WorkloadComponent[] = ['database', 'backend', 'frontend'];
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const isWorkload = (c: unknown): c is IWorkload & IConstruct => {
  const w = (c as Partial<IWorkload> | null)?.workload;
  return typeof w === 'object' && w !== null && typeof w.component === 'string' && typeof w.name === 'string';
};
const isPostgres = (c: unknown): c is IPostgres & IConstruct =>
  isWorkload(c) && typeof (c as Partial<IPostgres>).secretName === 'string' && typeof (c as Partial<IPostgres>).secretKeys === 'object';

/** Drops undefined values, so the object equals what the YAML says. */
function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, prune(v)]),
    ) as T;
  }
  return value;
}

/** What the tree holds that Compose cannot express, one line each, in a fixed order. */
function unmappedItems(
  root: IConstruct,
  workloads: readonly WorkloadDescription[],
  ingresses: readonly NginxIngress[],
  publish: string,
): string[] {
  const byKind = new Map<string, string[]>();
  const replicas: string[] = [];
  for (const c of root.node.findAll()) {
    if (!ApiObject.isApiObject(c)) continue;
    if (c.kind === 'Deployment') {
      const n = (c.toJson() as { spec?: { replicas?: unknown } } | undefined)?.spec?.replicas;
      if (typeof n === 'number' && n > 1) replicas.push(`${c.name}: ${n}`);
    }
    if (MAPPED_KINDS.has(c.kind)) continue;
    byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c.name]);
  }
  const items = [...byKind.keys()].sort(byString).map((kind) => {
    const names = [...new Set(byKind.get(kind))].sort(byString);
    return `${kind} ${names.join(', ')}: ${NOTES[kind] ?? 'no Compose equivalent'}`;
  });
  if (replicas.length > 0) items.push(`replicas (${replicas.sort(byString).join(', ')}): Compose runs one container per service`);
  const requests = workloads.map((w) => `${w.name} cpu ${w.resources.cpuRequest}/memory ${w.resources.memoryRequest}`);
  if (requests.length > 0)
    items.push(`resource requests (${requests.join(', ')}): Compose does not schedule; memory and CPU limits map to mem_limit and cpus`);
  const readiness = workloads
    .filter((w) => JSON.stringify(w.readiness.check) !== JSON.stringify(w.liveness.check))
    .map((w) => `${w.name} ${w.readiness.check.kind === 'http' ? w.readiness.check.path : w.readiness.check.command.join(' ')}`);
  if (readiness.length > 0)
    items.push(
      `readiness probes (${readiness.join(', ')}): Compose has one healthcheck per service, the liveness check with the startup budget as start_period`,
    );
  const fsGroups = workloads.filter((w) => w.fsGroup !== undefined).map((w) => `${w.name}: ${w.fsGroup}`);
  if (fsGroups.length > 0) items.push(`fsGroup (${fsGroups.join(', ')}): named volumes keep the ownership of the image's folder`);
  for (const ing of ingresses) {
    if (ing.host) items.push(`Ingress host ${ing.host}: nginx answers for any host on ${publish}`);
    if (ing.tlsSecretName) items.push(`TLS (Secret ${ing.tlsSecretName}): nginx serves plain HTTP on ${publish}`);
  }
  return items;
}

function header(options: ComposeRenderOptions, unmapped: readonly string[], publish: string, hasNginx: boolean): string {
  const lines = [` Generated by kstack from ${options.source ?? 'the construct tree'}; do not edit.`];
  if (options.regenerateCommand) lines.push(` Regenerate with: ${options.regenerateCommand}`);
  lines.push(' Start: cp .env.example .env (then set the values) && docker compose up --build');
  if (hasNginx) lines.push(` The app is served by nginx on http://${publish.includes(':') ? publish : `127.0.0.1:${publish}`}/`);
  lines.push('', ' Not mapped (no Compose equivalent):');
  if (unmapped.length === 0) lines.push('   (nothing)');
  for (const item of unmapped) lines.push(`   - ${item}`);
  return lines.join('\n');
}

/**
 * Renders a Docker Compose project from a construct tree (pass the App, or a chart): one
 * service per workload through the mapping of its kind (database, backend, frontend), a
 * one-shot service for each preStart step, and nginx serving the NginxIngress routes.
 * Secrets are never inlined: the compose file reads them from `.env` (`${NAME}`) and
 * `.env.example` lists them with placeholders. Pure: returns the file contents, writes nothing;
 * the same tree gives the same bytes.
 */
export function renderCompose(root: IConstruct, options: ComposeRenderOptions = {}): ComposeProject {
  const projectName = options.projectName ?? 'kstack';
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(projectName)) {
    throw new Error(
      `kstack compose: projectName must be lowercase letters, digits, '-' and '_' (a Compose project name), got ${JSON.stringify(projectName)}`,
    );
  }
  const ctx: MappingContext = { contextRoot: (options.contextRoot ?? '../../..').replace(/\\/g, '/'), secrets: new SecretEnv() };
  const publish = options.publish ?? `127.0.0.1:${NGINX_LISTEN_PORT}`;
  const all = root.node.findAll();
  const workloads = all.filter(isWorkload).map((c) => ({ construct: c, w: c.workload }));
  const rank = (w: WorkloadDescription) => COMPONENT_ORDER.indexOf(w.component);
  workloads.sort((a, b) => rank(a.w) - rank(b.w) || byString(a.w.name, b.w.name));
  const ingresses = all.filter((c): c is NginxIngress => c instanceof NginxIngress);
  if (ingresses.length > 1) {
    throw new Error(`kstack compose: one NginxIngress is supported, found ${ingresses.map((i) => i.node.path).join(', ')}`);
  }

  const services: Record<string, ComposeService> = {};
  const add = (owner: string, rendered: Record<string, ComposeService>) => {
    for (const [name, service] of Object.entries(rendered)) {
      if (name in services) throw new Error(`kstack compose: two services are named '${name}' (the second from ${owner})`);
      services[name] = service;
    }
  };
  const volumes: Record<string, Record<string, never>> = {};
  for (const { construct, w } of workloads) {
    const owner = construct.node.path;
    switch (w.component) {
      case 'database':
        add(owner, databaseServices(w, isPostgres(construct) ? construct : undefined, ctx));
        break;
      case 'backend':
        add(owner, backendServices(w, ctx));
        break;
      case 'frontend':
        add(owner, frontendServices(w, ctx));
        break;
      default:
        throw new Error(`kstack compose: no mapping for the workload kind '${(w as WorkloadDescription).component}' of ${owner}`);
    }
    if (w.dataVolume) volumes[dataVolumeName(w)] = {};
  }
  for (const { construct, w } of workloads) {
    for (const dep of w.dependsOn) {
      if (!(dep in services))
        throw new Error(`kstack compose: ${construct.node.path} depends on '${dep}', which is not a workload of the tree`);
    }
  }

  const files: Record<string, string> = {};
  const ingress = ingresses[0];
  let nginxConf: string | undefined;
  if (ingress) {
    const routed: Record<string, boolean> = {};
    for (const r of ingress.routes) {
      if (r.backend.serviceName in services) routed[r.backend.serviceName] = services[r.backend.serviceName].healthcheck !== undefined;
    }
    add(ingress.node.path, { nginx: nginxService({ image: options.nginxImage ?? NGINX_IMAGE, publish, routed }) });
    nginxConf = renderNginxConf(ingress);
  }

  const compose: ComposeFile = prune({ services, volumes: Object.keys(volumes).length > 0 ? volumes : undefined });
  const unmapped = unmappedItems(
    root,
    workloads.map((x) => x.w),
    ingresses,
    publish,
  );
  const doc = new Document(compose, { version: '1.1' });
  doc.commentBefore = header(options, unmapped, publish, ingress !== undefined);
  // Quoted strings read the same in YAML 1.1 (docker-compose 1.29's PyYAML: `no`, `80:80`) and 1.2.
  files['docker-compose.yml'] = doc.toString({ lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  if (nginxConf !== undefined) files['nginx/nginx.conf'] = nginxConf;

  const variables = ctx.secrets.variables();
  const env = [
    '# Variables docker-compose.yml reads. Copy this file to .env and replace the placeholders;',
    '# .env holds secrets: keep it out of version control.',
    `# Generated by kstack from ${options.source ?? 'the construct tree'}.`,
    '',
    '# Compose project name (containers, network and volumes are prefixed with it).',
    `COMPOSE_PROJECT_NAME=${projectName}`,
  ];
  for (const v of variables) env.push('', `# ${v.description}`, `${v.name}=${v.placeholder}`);
  files['.env.example'] = `${env.join('\n')}\n`;
  return { files, compose, variables, unmapped };
}
