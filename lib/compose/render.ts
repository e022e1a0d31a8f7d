import { IConstruct } from 'constructs';
import { Document } from 'yaml';
import { describeStack, StackDescription } from '../description';
import { KstackRenderError } from '../errors';
import { DatabaseDescription } from '../postgres';
import { RouterDescription } from '../routes';
import { WorkloadComponent, WorkloadDescription } from '../workload';
import { backendServices } from './backend';
import { backupServices } from './backup';
import { MappingContext, SecretEnv } from './context';
import { databaseServices } from './database';
import { frontendServices } from './frontend';
import { header, unmappedItems } from './header';
import { NGINX_IMAGE, NGINX_LISTEN_PORT, nginxService, renderNginxConf } from './nginx';
import { dataVolumeName } from './service';
import { ComposeFile, ComposeProject, ComposeService } from './types';

export interface ComposeRenderOptions {
  /**
   * Path from the folder the compose file is written to, to the folder the workloads'
   * `build.context` is relative to (e.g. '../../..' from dist/<env>/compose/ to the project root).
   * @default '.' (build contexts are relative to the compose folder)
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
  /**
   * Add each backed-up database's backup and restore as one-shot services in their own Compose
   * profiles (`docker compose run --rm db-backup`; see docs/backup.md). @default false
   */
  readonly backups?: boolean;
}

/** Order of services in the file: databases first, then what depends on them. */
const COMPONENT_ORDER: readonly WorkloadComponent[] = ['database', 'backend', 'frontend'];
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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

/**
 * Compose serves every router on one nginx and one port: their routes merge into one server.
 * Routes of different hosts that claim the same path cannot both be served there.
 */
function mergeRouters(routers: readonly (RouterDescription & { path: string })[]): RouterDescription | undefined {
  if (routers.length <= 1) return routers[0];
  const seen = new Map<string, string>();
  for (const r of routers) {
    for (const route of r.routes) {
      const other = seen.get(route.path);
      if (other !== undefined) {
        throw new KstackRenderError(
          `compose: ${r.path} and ${other} both route ${route.path}; Compose serves every host on one port, so give the routes distinct paths or render one environment per router`,
          r.path,
        );
      }
      seen.set(route.path, r.path);
    }
  }
  const first = routers[0];
  return {
    ...first,
    name: routers.map((r) => r.name).join('+'),
    host: undefined,
    routes: routers.flatMap((r) => r.routes),
    maxBodySize: first.maxBodySize,
    proxyTimeoutSeconds: Math.max(...routers.map((r) => r.proxyTimeoutSeconds)),
  };
}

/** The services of every workload, through the mapping of its kind; named volumes of data volumes. */
function workloadServices(stack: StackDescription, ctx: MappingContext, backups: boolean) {
  const workloads = [...stack.workloads].sort(
    (a, b) => COMPONENT_ORDER.indexOf(a.component) - COMPONENT_ORDER.indexOf(b.component) || byString(a.name, b.name),
  );
  const databases = new Map<string, DatabaseDescription>(stack.databases.filter((d) => d.workload).map((d) => [d.workload!, d]));
  const services: Record<string, ComposeService> = {};
  const volumes: Record<string, Record<string, never>> = {};
  const add = (owner: string, rendered: Record<string, ComposeService>) => {
    for (const [name, service] of Object.entries(rendered)) {
      if (name in services) throw new KstackRenderError(`compose: two services are named '${name}' (the second from ${owner})`, owner);
      services[name] = service;
    }
  };
  for (const w of workloads) {
    if (w.component === 'database') {
      const db = databases.get(w.name);
      add(w.path, databaseServices(w, db, ctx));
      if (backups && db?.backup) {
        const b = backupServices(w, db.backup, ctx);
        add(w.path, b.services);
        Object.assign(volumes, b.volumes);
      }
    } else if (w.component === 'backend') add(w.path, backendServices(w, ctx));
    else if (w.component === 'frontend') add(w.path, frontendServices(w, ctx));
    else
      throw new KstackRenderError(
        `compose: no mapping for the workload kind '${(w as WorkloadDescription).component}' of ${w.path}`,
        w.path,
      );
    if (w.dataVolume) volumes[dataVolumeName(w)] = {};
  }
  for (const w of workloads) {
    for (const dep of w.dependsOn) {
      if (!(dep in services))
        throw new KstackRenderError(`compose: ${w.path} depends on '${dep}', which is not a workload of the tree`, w.path);
    }
  }
  return { services, volumes, add };
}

/**
 * Renders a Docker Compose project from a construct tree (pass the App, or a chart), reading
 * only the constructs' descriptions (describeStack): one service per workload through the
 * mapping of its kind (database, backend, frontend), a one-shot service for each preStart step,
 * and nginx serving the routers' routes. Secrets are never inlined: the compose file reads them
 * from `.env` (`${NAME}`) and `.env.example` lists them with placeholders. Pure: returns the file
 * contents, writes nothing; the same tree gives the same bytes.
 */
export function renderCompose(root: IConstruct, options: ComposeRenderOptions = {}): ComposeProject {
  const projectName = options.projectName ?? 'kstack';
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(projectName)) {
    throw new KstackRenderError(
      `compose: projectName must be lowercase letters, digits, '-' and '_' (a Compose project name), got ${JSON.stringify(projectName)}`,
    );
  }
  const ctx: MappingContext = { contextRoot: (options.contextRoot ?? '.').replace(/\\/g, '/'), secrets: new SecretEnv() };
  const publish = options.publish ?? `127.0.0.1:${NGINX_LISTEN_PORT}`;
  const stack = describeStack(root);
  const { services, volumes, add } = workloadServices(stack, ctx, options.backups ?? false);

  const files: Record<string, string> = {};
  const router = mergeRouters(stack.routers);
  if (router) {
    const routed: Record<string, boolean> = {};
    for (const r of router.routes) {
      if (r.backend.serviceName in services) routed[r.backend.serviceName] = services[r.backend.serviceName].healthcheck !== undefined;
    }
    add(stack.routers[0].path, { nginx: nginxService({ image: options.nginxImage ?? NGINX_IMAGE, publish, routed }) });
  }
  const compose: ComposeFile = prune({ services, volumes: Object.keys(volumes).length > 0 ? volumes : undefined });
  const unmapped = unmappedItems(stack, stack.routers, publish, options.backups ?? false);
  const doc = new Document(compose, { version: '1.1' });
  doc.commentBefore = header(options, unmapped, publish, router !== undefined);
  // Quoted strings read the same in YAML 1.1 (docker-compose 1.29's PyYAML: `no`, `80:80`) and 1.2.
  files['docker-compose.yml'] = doc.toString({ lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  if (router) files['nginx/nginx.conf'] = renderNginxConf(router);

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
