import { KstackRenderError } from '../errors';
import { escapeRegexPath } from '../internal/checks/ingress';
import { showValue } from '../internal/format';
import { RouteDescription, RouterDescription, routesByPrecedence } from '../routes';
import { ComposeService } from './types';

/** What the nginx.conf is rendered from: a router's description (NginxIngress.router, GatewayRoutes.router) or the same shape. */
export type NginxIngressLike = Pick<RouterDescription, 'name' | 'host' | 'routes' | 'maxBodySize' | 'proxyTimeoutSeconds'>;

/** Port nginx listens on inside its container: unprivileged, so it runs as a non-root user. */
export const NGINX_LISTEN_PORT = 8080;
/**
 * Port of nginx's internal status server: bound to 127.0.0.1 inside the container (neither
 * published nor reachable from other services), it answers the healthcheck on
 * {@link NGINX_STATUS_PATH}. A separate listener keeps every path of the public one for the routes.
 */
export const NGINX_STATUS_PORT = 8081;
/** Path the internal status server answers `200 ok` on. */
export const NGINX_STATUS_PATH = '/healthz';
/** uid and gid of the `nginx` user of the official nginx images. */
export const NGINX_UID = 101;
/** Default image of the nginx service. */
export const NGINX_IMAGE = 'nginx:1.27-alpine';
/** Docker's embedded DNS server, which answers a Compose project's service names inside its containers. */
export const DOCKER_DNS = '127.0.0.11';
/** Seconds nginx keeps a resolved service address before asking again. */
export const NGINX_RESOLVE_VALID_SECONDS = 5;

export interface NginxConfOptions {
  /**
   * Host written for each upstream instead of the service name, by service name, e.g.
   * `{ api: '127.0.0.1', web: '127.0.0.1' }`: Compose service names only resolve on the
   * project's network, an IPv4 address needs no resolver (to run the file outside Compose).
   * @default - the service names
   */
  readonly upstreamHosts?: Readonly<Record<string, string>>;
  /**
   * DNS server nginx asks for the upstream names, `ADDRESS` or `ADDRESS:PORT` (IPv4). Names are
   * resolved per request and kept for `resolveValidSeconds`, so a service re-created on a new
   * address is routed again without restarting nginx. @default '127.0.0.11' (Docker's embedded DNS)
   */
  readonly resolver?: string;
  /** Seconds a resolved address is kept (overrides the answer's TTL, 600 s from Docker). @default 5 */
  readonly resolveValidSeconds?: number;
  /** Port nginx listens on. @default 8080 */
  readonly listenPort?: number;
  /**
   * Port of the internal status server (on 127.0.0.1 only) the healthcheck requests
   * {@link NGINX_STATUS_PATH} on. @default 8081
   */
  readonly statusPort?: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOST = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/;

/** `$kstack_upstream_api`: the variable holding a service's `host:port` (service names have no '_'). */
export function upstreamVariable(service: string): string {
  return `$kstack_upstream_${service.replace(/-/g, '_')}`;
}

function checkResolver(resolver: string, valid: number): void {
  const [address, port, ...rest] = resolver.split(':');
  const portOk = port === undefined || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
  if (!IPV4.test(address) || !portOk || rest.length > 0)
    throw new KstackRenderError(
      `compose: nginx resolver must be an IPv4 address with an optional port (e.g. '127.0.0.11'), got ${showValue(resolver)}`,
    );
  if (!Number.isInteger(valid) || valid < 1 || valid > 3600)
    throw new KstackRenderError(`compose: nginx resolveValidSeconds must be an integer from 1 to 3600, got ${showValue(valid)}`);
}

/**
 * nginx.conf serving the ingress routes the way ingress-nginx does: each path is a prefix on
 * segment boundaries ('/api' matches '/api' and '/api/...', not '/apix'); a route with
 * stripPrefix is rewritten with the same rule as the Ingress (`/api(/|$)(.*)` -> `/$2`, so
 * '/api/items?x=1' reaches the backend as '/items?x=1'); body size and timeouts come from the
 * ingress. Upstream names are resolved per request (a variable in `proxy_pass`, through
 * `resolver`), so a re-created service on a new address is routed again within
 * `resolveValidSeconds`, without restarting nginx; the URI the upstream sees is the same as with
 * a static upstream (no URI part in `proxy_pass`). Runs as a non-root user on a read-only root:
 * pid and temp files under /tmp, logs to stdout/stderr, listens on an unprivileged port. A
 * second server, on 127.0.0.1 and its own port (`statusPort`), answers the Compose healthcheck on /healthz, so the public listener
 * has no path of its own (/healthz there goes to the routes like any other path).
 */
export function renderNginxConf(ingress: NginxIngressLike, options: NginxConfOptions = {}): string {
  const listen = options.listenPort ?? NGINX_LISTEN_PORT;
  const status = options.statusPort ?? NGINX_STATUS_PORT;
  const resolver = options.resolver ?? DOCKER_DNS;
  const valid = options.resolveValidSeconds ?? NGINX_RESOLVE_VALID_SECONDS;
  if (status === listen)
    throw new KstackRenderError(`compose: nginx statusPort ${status} is the listenPort; the status server needs a port of its own`);
  checkResolver(resolver, valid);
  const hostOf = (service: string) => {
    const host = options.upstreamHosts?.[service] ?? service;
    if (!HOST.test(host))
      throw new KstackRenderError(`compose: nginx upstreamHosts.${service} must be a host name or an IPv4 address, got ${showValue(host)}`);
    return host;
  };
  return [...httpPreamble(ingress.name, resolver, valid), ...publicServer(ingress, listen, hostOf), ...statusServer(status), '}', ''].join(
    '\n',
  );
}

/** Everything before the servers: process settings, writable paths, the per-request resolver. */
function httpPreamble(name: string, resolver: string, valid: number): string[] {
  return [
    `# Generated by kstack from the routes of '${name}'; do not edit.`,
    "# The routes, prefix stripping, body size and timeouts are the router's (NginxIngress or GatewayRoutes).",
    'worker_processes auto;',
    'pid /tmp/nginx.pid;',
    'error_log stderr warn;',
    '',
    'events {',
    '    worker_connections 1024;',
    '}',
    '',
    'http {',
    '    include /etc/nginx/mime.types;',
    '    default_type application/octet-stream;',
    '    access_log /dev/stdout;',
    '    server_tokens off;',
    '    sendfile on;',
    '',
    '    # Writable paths on a read-only root filesystem (tmpfs /tmp).',
    '    client_body_temp_path /tmp/nginx-client-body;',
    '    proxy_temp_path /tmp/nginx-proxy;',
    '    fastcgi_temp_path /tmp/nginx-fastcgi;',
    '    uwsgi_temp_path /tmp/nginx-uwsgi;',
    '    scgi_temp_path /tmp/nginx-scgi;',
    '',
    '    map $http_upgrade $connection_upgrade {',
    '        default upgrade;',
    "        ''      close;",
    '    }',
    '',
    '    # Upstream names are resolved per request, not once at start: a service re-created on a new',
    `    # address is routed again within ${valid}s (valid= overrides the answer's TTL), no restart needed.`,
    `    resolver ${resolver} valid=${valid}s ipv6=off;`,
    '    resolver_timeout 5s;',
    '',
  ];
}

/** The public server: proxy settings, one variable per upstream, one location per route (longest first). */
function publicServer(ingress: NginxIngressLike, listen: number, hostOf: (service: string) => string): string[] {
  const lines = [
    '    server {',
    `        listen ${listen} default_server;`,
    `        server_name ${ingress.host ?? '_'};`,
    `        client_max_body_size ${ingress.maxBodySize};`,
    `        proxy_connect_timeout 5s;`,
    `        proxy_read_timeout ${ingress.proxyTimeoutSeconds}s;`,
    `        proxy_send_timeout ${ingress.proxyTimeoutSeconds}s;`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Host $http_host;',
    '        proxy_set_header X-Real-IP $remote_addr;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header X-Forwarded-Host $http_host;',
    '        proxy_set_header Upgrade $http_upgrade;',
    '        proxy_set_header Connection $connection_upgrade;',
    '',
    '        # Each Service as host:port; a variable in proxy_pass makes nginx resolve it per request.',
  ];
  const upstreams = new Map<string, number>();
  for (const r of ingress.routes) upstreams.set(r.backend.serviceName, r.backend.port);
  for (const [service, port] of [...upstreams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`        set ${upstreamVariable(service)} ${hostOf(service)}:${port};`);
  }
  for (const r of routesByPrecedence(ingress.routes)) lines.push('', ...location(r));
  if (!ingress.routes.some((r) => r.path === '/')) {
    lines.push(
      '',
      '        # No route for / (as the Ingress: everything else is a 404).',
      '        location / {',
      '            return 404;',
      '        }',
    );
  }
  lines.push('    }', '');
  return lines;
}

/** One route: a prefix location on segment boundaries, the prefix rewritten away when it is stripped. */
function location(r: RouteDescription): string[] {
  const target = `${r.backend.serviceName}:${r.backend.port}`;
  const pass = `            proxy_pass http://${upstreamVariable(r.backend.serviceName)};`;
  if (r.path === '/') return [`        # / -> ${target}`, '        location / {', pass, '        }'];
  const re = escapeRegexPath(r.path);
  if (!r.stripPrefix) return [`        # ${r.path} -> ${target}`, `        location ~ "^${re}(/|$)" {`, pass, '        }'];
  return [
    `        # ${r.path} -> ${target}, prefix stripped ('${r.path}/x' reaches ${r.backend.serviceName} as '/x')`,
    `        location ~ "^${re}(/|$)" {`,
    `            rewrite "^${re}(/|$)(.*)" /$2 break;`,
    pass,
    '        }',
  ];
}

/** The loopback status server of the container healthcheck. */
function statusServer(status: number): string[] {
  return [
    '    # Internal status server for the container healthcheck: loopback only, not published.',
    '    server {',
    `        listen 127.0.0.1:${status};`,
    '        server_name _;',
    '        default_type text/plain;',
    '',
    `        location = ${NGINX_STATUS_PATH} {`,
    '            access_log off;',
    '            return 200 "ok\\n";',
    '        }',
    '',
    '        location / {',
    '            return 404;',
    '        }',
    '    }',
  ];
}

export interface NginxServiceOptions {
  /** Image. @default 'nginx:1.27-alpine' */
  readonly image?: string;
  /** Host address and port published, `ADDRESS:PORT` or `PORT`. @default '127.0.0.1:8080' */
  readonly publish?: string;
  /** Services the routes go to that exist in the project, with whether they have a healthcheck. */
  readonly routed: Readonly<Record<string, boolean>>;
}

/**
 * The nginx service: non-root (uid 101) on a read-only root with tmpfs for what nginx writes
 * (/tmp for pid and temp files, /var/cache/nginx and /var/run for the image's defaults), the
 * generated nginx.conf mounted read-only, the only published port, started once the routed
 * services are healthy. Its healthcheck requests the conf's internal status server
 * (127.0.0.1:8081/healthz) with `wget`, which the alpine image has (busybox); a 200 proves the
 * master and a worker are up and serving, without a route on the public listener.
 */
export function nginxService(options: NginxServiceOptions): ComposeService {
  const tmpfs = (p: string, mode: string) => `${p}:uid=${NGINX_UID},gid=${NGINX_UID},mode=${mode}`;
  const routed = Object.keys(options.routed).sort();
  return {
    image: options.image ?? NGINX_IMAGE,
    user: `${NGINX_UID}:${NGINX_UID}`,
    restart: 'unless-stopped',
    read_only: true,
    tmpfs: [tmpfs('/tmp', '1777'), tmpfs('/var/cache/nginx', '0700'), tmpfs('/var/run', '0755')],
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true'],
    ports: [`${options.publish ?? `127.0.0.1:${NGINX_LISTEN_PORT}`}:${NGINX_LISTEN_PORT}`],
    volumes: ['./nginx/nginx.conf:/etc/nginx/nginx.conf:ro'],
    healthcheck: {
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${NGINX_STATUS_PORT}${NGINX_STATUS_PATH}`],
      interval: '10s',
      timeout: '3s',
      retries: 3,
    },
    depends_on:
      routed.length > 0
        ? Object.fromEntries(
            routed.map((s) => [s, { condition: options.routed[s] ? ('service_healthy' as const) : ('service_started' as const) }]),
          )
        : undefined,
  };
}
