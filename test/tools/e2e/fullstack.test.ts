/**
 * End to end: the reference app (examples/fullstack) on real servers, wired only by what kstack
 * synthesizes for the dev environment.
 *
 *   PostgreSQL (initdb + postgres)   <- role, password and database from the Secret db-credentials
 *   backend (alembic, then uvicorn)  <- env of Deployment api (ConfigMap api-config + secretKeyRefs),
 *                                       migration = its initContainer's command, probes = its probes
 *   frontend (next build, standalone server) <- env of Deployment web (ConfigMap web-config)
 *   nginx                            <- the Compose target's nginx.conf (renderNginxConf), with its
 *                                       internal status server (the Compose healthcheck's target)
 *
 * Every process listens on a free 127.0.0.1 port; the only change to the synthesized values is
 * that in-cluster addresses (`db:5432`, `api:8000`, `web:3000`) become those local addresses.
 * Requests go through nginx, as users' requests go through the Ingress.
 *
 * Needs Debian's nginx, postgresql-15 and python3-{fastapi,uvicorn,sqlalchemy,psycopg2,alembic},
 * and `npm ci` in examples/fullstack/frontend (run here when node_modules is missing). A missing
 * tool fails the test. KSTACK_E2E_KEEP=1 keeps the temporary directory (logs) for debugging.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gateErrors } from '../../../lib';
import { renderNginxConf } from '../../../lib/compose';
import { environments } from '../../../stacks/environments';
import { EnvSynthesis, K8sObject, synthesizeCompose, synthesizeEnv } from '../../../stacks/synth';
import { LocalPostgres } from './postgres';
import { freePorts, logTail, Managed, ProcessSet, request, runChecked, Timings, waitForHttp, withLock } from './processes';
import { requireTools, Tools } from './tools';
import {
  Address,
  containerOf,
  dockerfileCmd,
  findObject,
  httpProbePath,
  initContainersOf,
  interpolate,
  localNginxConf,
  parseDotEnv,
  relocateEnv,
  resolveContainerEnv,
  withFlag,
} from './wiring';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const LOOPBACK = '127.0.0.1';

jest.setTimeout(60_000);

/** The workload (Deployment or StatefulSet) a Service selects: exactly one. */
function workloadBehind(objects: readonly K8sObject[], serviceName: string): any {
  const svc = findObject(objects, 'Service', serviceName);
  const selector: Record<string, string> = svc.spec.selector ?? {};
  const matches = objects.filter(
    (o: any) =>
      (o.kind === 'Deployment' || o.kind === 'StatefulSet') &&
      Object.entries(selector).every(([k, v]) => o.spec.template.metadata?.labels?.[k] === v),
  );
  if (matches.length !== 1) throw new Error(`Service ${serviceName} selects ${matches.length} workloads`);
  return matches[0];
}

function servicePort(objects: readonly K8sObject[], serviceName: string): number {
  const ports = findObject(objects, 'Service', serviceName).spec.ports;
  if (ports.length !== 1) throw new Error(`Service ${serviceName} has ${ports.length} ports`);
  return ports[0].port;
}

/** Items in the page's `<ul id="items">`, or undefined when the list is absent. */
function listedItems(html: string): string[] | undefined {
  const m = /<ul id="items">([\s\S]*?)<\/ul>/.exec(html);
  if (!m) return undefined;
  return [...m[1].matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((x) => x[1]);
}

interface Ports {
  pg: number;
  api: number;
  web: number;
  nginx: number;
  nginxStatus: number;
}

interface Wiring {
  synthesis: EnvSynthesis;
  objects: readonly K8sObject[];
  ingressHost: string;
  apiPrefix: string;
  livenessPath: string;
  readinessPath: string;
  webReadinessPath: string;
  credentials: { user: string; password: string; database: string };
  apiEnv: Record<string, string>;
  apiChanged: string[];
  initCommands: string[][];
  apiCommand: string[];
  webEnv: Record<string, string>;
  webChanged: string[];
  webCommand: string[];
  nginxConf: string;
  nginxChanges: readonly string[];
  /** Path of the internal status server, from the Compose service's healthcheck URL. */
  nginxStatusPath: string;
}

describe('reference app end to end (dev wiring, real servers, through nginx)', () => {
  const timings = new Timings();
  const started = Date.now();
  let tmp: string;
  let procs: ProcessSet;
  let tools: Tools;
  let pg: LocalPostgres;
  let api: Managed;
  let web: Managed;
  let nginx: Managed;
  let w: Wiring;
  let ports: Ports;
  let edge: string;
  const itemName = `e2e-item-${process.pid}-${Date.now()}`;

  /** A request through nginx, with the Ingress host as Host header. */
  const viaNginx = (pathAndQuery: string, options: { method?: string; body?: unknown } = {}) =>
    request(`${edge}${pathAndQuery}`, {
      method: options.method,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      headers: { host: w.ingressHost, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    });

  beforeAll(async () => {
    tools = await timings.phase('check tools', () => requireTools());
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-e2e-'));
    fs.chmodSync(tmp, 0o755); // PostgreSQL and nginx's workers run as other users
    fs.mkdirSync(path.join(tmp, 'logs'));
    procs = new ProcessSet(path.join(tmp, 'logs'));
    const p = await freePorts(5);
    ports = { pg: p[0], api: p[1], web: p[2], nginx: p[3], nginxStatus: p[4] };
    edge = `http://${LOOPBACK}:${ports.nginx}`;

    w = await timings.phase('synthesize dev (k8s + compose)', () => readWiring(tmp, ports));

    const frontendDir = path.join(ROOT, w.synthesis.stack.frontend.workload.build!.context);
    const webDir = path.join(tmp, 'web');
    // `next build` (in place: .next/ is gitignored) while PostgreSQL and the backend start.
    const built = timings.phase('frontend: npm ci (if needed) + next build', () => buildFrontend(procs, frontendDir, webDir));
    built.catch(() => undefined); // awaited below; avoids an unhandled rejection while the backend starts

    pg = new LocalPostgres(tools, procs, path.join(tmp, 'pg'), ports.pg);
    await timings.phase('postgres: initdb + start', async () => {
      pg.init();
      await pg.start();
    });
    pg.createRoleAndDatabase(w.credentials);

    const backendDir = path.join(ROOT, w.synthesis.stack.backend.workload.build!.context);
    const pyEnv = { PATH: '/usr/bin:/bin', HOME: tmp, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...w.apiEnv };
    await timings.phase('backend: migration (initContainer command)', () => {
      for (const command of w.initCommands) {
        // A console script of the image's venv is `python -m <name>` with Debian's python.
        runChecked(`init container: ${command.join(' ')}`, tools.python, ['-m', ...command], {
          cwd: backendDir,
          env: pyEnv,
          timeoutMs: 60_000,
        });
      }
    });
    await timings.phase('backend: start until readiness probe passes', async () => {
      api = procs.start('api', tools.python, ['-m', ...w.apiCommand], { cwd: backendDir, env: pyEnv });
      await waitForHttp('backend readiness', `http://${LOOPBACK}:${ports.api}${w.readinessPath}`, (r) => r.status === 200, {
        timeoutMs: 30_000,
        proc: api,
      });
    });

    await built;
    await timings.phase('frontend: start until readiness probe passes', async () => {
      const env = { PATH: '/usr/bin:/bin', HOME: tmp, NODE_ENV: 'production', ...w.webEnv };
      web = procs.start('web', process.execPath, w.webCommand.slice(1), { cwd: webDir, env });
      await waitForHttp('frontend readiness', `http://${LOOPBACK}:${ports.web}${w.webReadinessPath}`, (r) => r.status === 200, {
        timeoutMs: 30_000,
        proc: web,
      });
    });

    await timings.phase('nginx: start', async () => {
      const dir = path.join(tmp, 'nginx');
      const conf = path.join(dir, 'nginx.conf');
      fs.writeFileSync(conf, w.nginxConf);
      const args = ['-p', `${dir}/`, '-c', conf, '-e', 'stderr'];
      // stdout/stderr to a file, as for the server: access_log /dev/stdout cannot be opened on a socket.
      const check = procs.start('nginx-t', tools.nginx, [...args, '-t'], { cwd: dir, env: { PATH: '/usr/sbin:/usr/bin:/bin' } });
      if ((await check.exited).code !== 0) throw new Error(`nginx -t failed\n${logTail(check)}`);
      nginx = procs.start('nginx', tools.nginx, [...args, '-g', 'daemon off;'], { cwd: dir, env: { PATH: '/usr/sbin:/usr/bin:/bin' } });
      await waitForHttp('nginx', `${edge}/`, (r) => r.status === 200, { timeoutMs: 10_000, proc: nginx, headers: { host: w.ingressHost } });
    });
  }, 170_000);

  afterAll(async () => {
    const running = procs?.running().map((p) => `${p.name} (pid ${p.pid})`) ?? [];
    await timings.phase('stop everything', async () => {
      await procs?.stopAll();
    });
    const keep = process.env.KSTACK_E2E_KEEP === '1';
    if (tmp && !keep) fs.rmSync(tmp, { recursive: true, force: true });
    const left = procs?.running() ?? [];
    console.log(
      [
        `e2e phases (total ${((Date.now() - started) / 1000).toFixed(1)} s):`,
        timings.toString(),
        w
          ? `relocated (in-cluster -> local): api ${w.apiChanged.join(', ')}; web ${w.webChanged.join(', ')}; nginx.conf:\n${w.nginxChanges.map((l) => `    ${l}`).join('\n')}`
          : '',
        `stopped: ${running.join(', ') || '(nothing running)'}`,
        keep && tmp ? `kept ${tmp} (KSTACK_E2E_KEEP=1)` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    if (left.length > 0) throw new Error(`processes still running after teardown: ${left.map((p) => `${p.name} ${p.pid}`).join(', ')}`);
  }, 60_000);

  test('the processes run with the synthesized wiring, only in-cluster addresses relocated', () => {
    // What the test changed, for the record: addresses, nothing else.
    expect(w.apiChanged).toEqual(expect.arrayContaining(['DATABASE_URL']));
    expect(w.webChanged).toEqual(['API_URL']);
    expect(w.apiEnv.DATABASE_URL).toBe(
      `postgresql://${w.credentials.user}:${w.credentials.password}@${LOOPBACK}:${ports.pg}/${w.credentials.database}`,
    );
    expect(w.webEnv.API_URL).toBe(`http://${LOOPBACK}:${ports.api}`);
    expect(
      w.nginxChanges
        .filter((l) => l.startsWith('+'))
        .every((l) =>
          /^\+ (set \$kstack_upstream_\w+ 127\.0\.0\.1:\d+;|listen \d+ default_server;|listen 127\.0\.0\.1:\d+;|pid \/|\w+_temp_path \/)/.test(
            l,
          ),
        ),
    ).toBe(true);
    expect(w.nginxChanges).toContain(`+ listen ${LOOPBACK}:${ports.nginxStatus};`);
    expect(api.exit).toBeUndefined();
    expect(web.exit).toBeUndefined();
    expect(nginx.exit).toBeUndefined();
  });

  test('GET / through nginx returns the frontend page', async () => {
    const r = await viaNginx('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.body).toContain('<h1>Items</h1>');
    expect(listedItems(r.body)).toEqual([]); // a fresh database, read through API_URL
  });

  test('/api routes reach the backend with the prefix stripped', async () => {
    const health = await viaNginx(`${w.apiPrefix}${w.livenessPath}`);
    expect({ status: health.status, body: JSON.parse(health.body) }).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await viaNginx(`${w.apiPrefix}${w.readinessPath}`);
    expect({ status: ready.status, body: JSON.parse(ready.body) }).toEqual({ status: 200, body: { status: 'ready' } });
    // The backend has no /api routes: unstripped, the same request would be the backend's 404.
    const direct = await request(`http://${LOOPBACK}:${ports.api}${w.apiPrefix}${w.livenessPath}`);
    expect(direct.status).toBe(404);
    // Prefix on a segment boundary: '/apix' and '/health' are the frontend's, not the backend's.
    for (const p of [`${w.apiPrefix}x${w.livenessPath}`, w.livenessPath]) {
      const r = await viaNginx(p);
      expect([p, r.status, r.headers['content-type']]).toEqual([p, 404, expect.stringMatching(/text\/html/)]);
    }
  });

  test("the internal status server (the Compose healthcheck's target) answers 200; the public listener leaves its path to the app", async () => {
    const status = await request(`http://${LOOPBACK}:${ports.nginxStatus}${w.nginxStatusPath}`);
    expect({ status: status.status, body: status.body, type: status.headers['content-type'] }).toEqual({
      status: 200,
      body: 'ok\n',
      type: 'text/plain',
    });
    // Through the public listener the same path is an app path: the catch-all route's frontend answers it.
    const viaPublic = await viaNginx(w.nginxStatusPath);
    expect([viaPublic.status, viaPublic.headers['content-type']]).toEqual([404, expect.stringMatching(/text\/html/)]);
    expect(viaPublic.body).not.toBe('ok\n');
  });

  test('POST /api/items then GET /api/items round-trips a row through PostgreSQL', async () => {
    const created = await viaNginx(`${w.apiPrefix}/items`, { method: 'POST', body: { name: itemName } });
    expect(created.status).toBe(201);
    const row = JSON.parse(created.body);
    expect(row).toEqual({ id: expect.any(Number), name: itemName, created_at: expect.any(String) });

    const list = await viaNginx(`${w.apiPrefix}/items?limit=ignored`);
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toEqual([row]);

    // The row is in PostgreSQL, in the table the migration created as the Secret's user.
    const db = w.credentials.database;
    expect(pg.query(db, "SELECT id || ':' || name FROM items")).toBe(`${row.id}:${itemName}`);
    expect(pg.query(db, "SELECT tableowner FROM pg_tables WHERE tablename = 'items'")).toBe(w.credentials.user);
    expect(pg.query(db, 'SELECT version_num FROM alembic_version')).toMatch(/\S/);
  });

  test('the page lists that item, fetched server-side through API_URL', async () => {
    const r = await viaNginx('/');
    expect(r.status).toBe(200);
    expect(listedItems(r.body)).toEqual([itemName]);
  });

  test('readiness fails while PostgreSQL is stopped and recovers when it is back', async () => {
    const readyUrl = `${w.apiPrefix}${w.readinessPath}`;
    await timings.phase('readiness: stop postgres until /ready is 503', async () => {
      await pg.stop();
      const down = await viaNginx(readyUrl);
      expect(down.status).toBe(503);
      expect(JSON.parse(down.body)).toEqual({ status: 'unavailable', error: expect.any(String) });
    });
    // Liveness has no dependencies: a database outage must not restart the backend.
    const live = await viaNginx(`${w.apiPrefix}${w.livenessPath}`);
    expect(live.status).toBe(200);
    // The backend answers 503 for data too, and the page shows the error instead of failing.
    expect((await viaNginx(`${w.apiPrefix}/items`)).status).toBe(503);
    const page = await viaNginx('/');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<p id="error">GET \/items returned HTTP 503<\/p>/);

    await timings.phase('readiness: start postgres until /ready is 200', async () => {
      await pg.start();
      await waitForHttp('readiness after PostgreSQL restart', `${edge}${readyUrl}`, (r) => r.status === 200, {
        timeoutMs: 20_000,
        proc: api,
        headers: { host: w.ingressHost },
      });
    });
    const list = await viaNginx(`${w.apiPrefix}/items`);
    expect(JSON.parse(list.body).map((i: { name: string }) => i.name)).toEqual([itemName]);
    expect(listedItems((await viaNginx('/')).body)).toEqual([itemName]);
    expect(api.exit).toBeUndefined();
  }, 60_000);
});

/**
 * Reads every value the processes get from the synthesized dev environment (Kubernetes objects
 * and the Compose project), checks the two targets agree, and relocates in-cluster addresses.
 */
function readWiring(tmp: string, ports: Ports): Wiring {
  const synthesis = synthesizeEnv(environments.dev);
  const errors = gateErrors(synthesis.findings);
  if (errors.length > 0) throw new Error(`dev does not pass the validation gate: ${JSON.stringify(errors)}`);
  const objects = synthesis.files.find((f) => f.path === 'app.k8s.yaml')!.objects;
  const { stack } = synthesis;
  const project = synthesizeCompose(synthesis);

  // Which local process plays which Service.
  const dbService = stack.database.name;
  const apiService = stack.backend.serviceName;
  const webService = stack.frontend.serviceName;
  const local = (port: number): Address => ({ host: LOOPBACK, port });
  const relocations = new Map<string, Address>([
    [`${dbService}:${servicePort(objects, dbService)}`, local(ports.pg)],
    [`${apiService}:${servicePort(objects, apiService)}`, local(ports.api)],
    [`${webService}:${servicePort(objects, webService)}`, local(ports.web)],
  ]);

  // Database: the role, password and database the postgres container is created with.
  const dbEnv = resolveContainerEnv(objects, containerOf(workloadBehind(objects, dbService)));
  const credentials = { user: dbEnv.POSTGRES_USER, password: dbEnv.POSTGRES_PASSWORD, database: dbEnv.POSTGRES_DB };
  for (const [k, v] of Object.entries(credentials))
    if (!v) throw new Error(`db container: no ${k} (env: ${Object.keys(dbEnv).join(', ')})`);

  // Backend: env (ConfigMap + secretKeyRefs), init containers, probes, listen port.
  const apiDeployment = workloadBehind(objects, apiService);
  const apiContainer = containerOf(apiDeployment);
  const apiPort: number = apiContainer.ports[0].containerPort;
  const rawApiEnv = resolveContainerEnv(objects, apiContainer);
  const { env: apiEnv, changed: apiChanged } = relocateEnv(rawApiEnv, relocations);
  const initCommands = initContainersOf(apiDeployment).map((c: any) => {
    const { env } = relocateEnv(resolveContainerEnv(objects, c), relocations);
    if (JSON.stringify(env) !== JSON.stringify(apiEnv))
      throw new Error(`init container ${c.name} has another env than the app container; the test runs both with the app's`);
    if (!Array.isArray(c.command)) throw new Error(`init container ${c.name} has no command`);
    return [...c.command, ...(c.args ?? [])];
  });
  if (initCommands.length === 0) throw new Error(`Deployment ${apiService}: no init container (the migration step)`);
  const build = stack.backend.workload.build!;
  const apiImageCmd = apiContainer.command ?? dockerfileCmd(path.join(ROOT, build.context, build.dockerfile));
  if (apiImageCmd[0] !== 'uvicorn') throw new Error(`backend command is not uvicorn: ${apiImageCmd.join(' ')}`);
  const portFlag = apiImageCmd[apiImageCmd.indexOf('--port') + 1];
  if (portFlag !== String(apiPort) || rawApiEnv.PORT !== String(apiPort)) {
    throw new Error(`backend listens on ${portFlag} (CMD) / PORT=${rawApiEnv.PORT}, the Deployment's containerPort is ${apiPort}`);
  }
  apiEnv.PORT = String(ports.api);
  const apiCommand = withFlag(withFlag(apiImageCmd, '--host', LOOPBACK), '--port', String(ports.api));

  // Frontend: env (ConfigMap), probe, listen address.
  const webContainer = containerOf(workloadBehind(objects, webService));
  const webPort: number = webContainer.ports[0].containerPort;
  const rawWebEnv = resolveContainerEnv(objects, webContainer);
  const { env: webEnv, changed: webChanged } = relocateEnv(rawWebEnv, relocations);
  if (webEnv.PORT !== String(webPort)) throw new Error(`frontend PORT=${webEnv.PORT}, the Deployment's containerPort is ${webPort}`);
  webEnv.PORT = String(ports.web);
  webEnv.HOSTNAME = LOOPBACK;
  const fbuild = stack.frontend.workload.build!;
  const webCommand = webContainer.command ?? dockerfileCmd(path.join(ROOT, fbuild.context, fbuild.dockerfile));
  if (webCommand[0] !== 'node' || webCommand.length !== 2)
    throw new Error(`frontend command is not 'node <server>': ${webCommand.join(' ')}`);

  // Compose: .env built from the db container's variables; the services must get the same wiring.
  const dotEnvNames = Object.keys(parseDotEnv(project.files['.env.example'])).filter((k) => k !== 'COMPOSE_PROJECT_NAME');
  const dotEnv: Record<string, string> = {};
  for (const k of dotEnvNames) {
    if (!(k in dbEnv)) throw new Error(`.env.example variable ${k} is not a variable of the db container`);
    dotEnv[k] = dbEnv[k];
  }
  const composeEnv = (service: string) =>
    Object.fromEntries(Object.entries(project.compose.services[service]?.environment ?? {}).map(([k, v]) => [k, interpolate(v, dotEnv)]));
  for (const [service, k8sEnv] of [
    [apiService, rawApiEnv],
    [webService, rawWebEnv],
  ] as const) {
    const c = composeEnv(service);
    for (const [k, v] of Object.entries(k8sEnv)) {
      if (c[k] !== v) throw new Error(`compose service ${service}: ${k}=${c[k]}, Kubernetes has ${v}`);
    }
  }
  const migrate = Object.entries(project.compose.services)
    .filter(([name]) => name.startsWith(`${apiService}-`))
    .map(([, s]) => [...(s.entrypoint ?? []), ...(s.command ?? [])]);
  if (JSON.stringify(migrate) !== JSON.stringify(initCommands))
    throw new Error(`compose one-shot services run ${JSON.stringify(migrate)}, the init containers ${JSON.stringify(initCommands)}`);

  // nginx: the Compose target's nginx.conf, upstreams on 127.0.0.1 (upstreamHosts) and local ports.
  const composeConf = project.files['nginx/nginx.conf'];
  if (renderNginxConf(stack.ingress) !== composeConf)
    throw new Error("renderNginxConf(ingress) differs from the Compose project's nginx/nginx.conf");
  const upstreamHosts = Object.fromEntries(stack.ingress.routes.map((r) => [r.backend.serviceName, LOOPBACK]));
  const rendered = renderNginxConf(stack.ingress, { upstreamHosts, listenPort: ports.nginx, statusPort: ports.nginxStatus });
  fs.mkdirSync(path.join(tmp, 'nginx'));
  const { text: nginxConf, changes: nginxChanges } = localNginxConf(rendered, composeConf, relocations, path.join(tmp, 'nginx'));

  // The URL the Compose service's healthcheck requests (`wget ... http://127.0.0.1:PORT/PATH`).
  const healthTest: readonly string[] = project.compose.services.nginx?.healthcheck?.test ?? [];
  const statusUrl = new URL(healthTest[healthTest.length - 1] ?? 'none:');
  if (statusUrl.protocol !== 'http:' || statusUrl.hostname !== LOOPBACK || !composeConf.includes(`listen ${LOOPBACK}:${statusUrl.port};`)) {
    throw new Error(
      `compose service nginx: the healthcheck ${JSON.stringify(healthTest)} does not request the status server of nginx.conf`,
    );
  }

  const apiRoute = stack.ingress.routes.find((r) => r.backend.serviceName === apiService);
  if (!apiRoute?.stripPrefix) throw new Error(`no stripPrefix route to ${apiService} in the ingress`);

  return {
    synthesis,
    objects,
    ingressHost: stack.ingress.host ?? 'localhost',
    apiPrefix: apiRoute.path,
    livenessPath: httpProbePath(apiContainer, 'livenessProbe'),
    readinessPath: httpProbePath(apiContainer, 'readinessProbe'),
    webReadinessPath: httpProbePath(webContainer, 'readinessProbe'),
    credentials,
    apiEnv,
    apiChanged,
    initCommands,
    apiCommand,
    webEnv,
    webChanged,
    webCommand,
    nginxConf,
    nginxChanges,
    nginxStatusPath: statusUrl.pathname,
  };
}

/**
 * `npm ci` when node_modules is missing, `next build` in place (output: 'standalone'), then the
 * image's layout in `webDir`: .next/standalone, .next/static and public (as the Dockerfile's runner stage).
 */
async function buildFrontend(procs: ProcessSet, frontendDir: string, webDir: string): Promise<void> {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } as Record<string, string>;
  const nextBin = path.join(frontendDir, 'node_modules', 'next', 'dist', 'bin', 'next');
  if (!fs.existsSync(nextBin)) {
    const npm = procs.start('npm-ci', 'npm', ['ci', '--no-audit', '--no-fund'], { cwd: frontendDir, env });
    const status = await npm.exited;
    if (status.code !== 0) throw new Error(`npm ci in ${frontendDir} failed (${JSON.stringify(status)})\n${logTail(npm, 40)}`);
  }
  // In place (.next/ is gitignored), one run at a time; the result is copied out before the lock is released.
  await withLock(`next build ${frontendDir}`, 150_000, async () => {
    const build = procs.start('next-build', process.execPath, [nextBin, 'build'], { cwd: frontendDir, env });
    let timer: NodeJS.Timeout | undefined;
    const status = await Promise.race([
      build.exited,
      new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), 120_000);
      }),
    ]);
    clearTimeout(timer);
    if (!status) {
      await procs.stop(build);
      throw new Error(`next build did not finish in 120 s\n${logTail(build, 40)}`);
    }
    if (status.code !== 0) throw new Error(`next build failed (${JSON.stringify(status)})\n${logTail(build, 40)}`);
    const dotNext = path.join(frontendDir, '.next');
    fs.cpSync(path.join(dotNext, 'standalone'), webDir, { recursive: true, verbatimSymlinks: true });
    fs.cpSync(path.join(dotNext, 'static'), path.join(webDir, '.next', 'static'), { recursive: true });
    if (fs.existsSync(path.join(frontendDir, 'public')))
      fs.cpSync(path.join(frontendDir, 'public'), path.join(webDir, 'public'), { recursive: true });
  });
}
