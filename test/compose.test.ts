/**
 * The Compose target (lib/compose): semantic checks on the rendered project. The checks with the
 * real tools (docker-compose config, nginx -t) are in test/tools/compose-tools.test.ts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import {
  environmentCompose,
  FastApiBackend,
  NextFrontend,
  NginxIngress,
  Postgres,
  renderCompose,
  renderNginxConf,
  SecretValue,
} from '../lib';
import { environments } from '../stacks/environments';
import { synthesizeCompose, synthesizeEnv } from '../stacks/synth';
import { errorOf, testChart } from './util';

const ROOT = path.resolve(__dirname, '..');
const DEV_PASSWORD = 'dev-password-not-secret';

const dev = () => synthesizeEnv(environments.dev);
const devProject = () => synthesizeCompose(dev());

describe('compose: the dev project of the reference stack', () => {
  test('GIVEN the dev stack WHEN rendered THEN the services are db, api-migrate, api, web and nginx, with no top-level name or version', () => {
    const project = devProject();
    expect(Object.keys(project.compose.services)).toEqual(['db', 'api-migrate', 'api', 'web', 'nginx']);
    expect(Object.keys(project.compose)).toEqual(['services', 'volumes']);
    expect(Object.keys(project.files)).toEqual(['docker-compose.yml', 'nginx/nginx.conf', '.env.example']);
  });

  test('GIVEN the rendered project WHEN the YAML is parsed THEN it is the compose object', () => {
    const project = devProject();
    expect(parse(project.files['docker-compose.yml'])).toEqual(project.compose);
  });

  test('GIVEN the dev stack WHEN rendered twice THEN the files are the same bytes', () => {
    expect(devProject().files).toEqual(devProject().files);
  });

  test('GIVEN the Postgres construct WHEN mapped THEN db has its image, a named volume, a pg_isready healthcheck and credentials from .env', () => {
    const result = dev();
    const w = (result.stack.database as Postgres).workload;
    const db = synthesizeCompose(result).compose.services.db as any;
    expect(db.image).toBe(w.image);
    expect(db.image).toBe('postgres:16.10');
    expect(db.volumes).toEqual(['db-data:/var/lib/postgresql/data']);
    expect(synthesizeCompose(result).compose.volumes).toEqual({ 'db-data': {} });
    expect(db.healthcheck.test[0]).toBe('CMD');
    expect(db.healthcheck.test.join(' ')).toContain('pg_isready -U "$$POSTGRES_USER" -d "$$POSTGRES_DB"');
    expect(db.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]*\}$/);
    expect(db.environment.POSTGRES_USER).toMatch(/^\$\{POSTGRES_USER:\?/);
    expect(db.environment.POSTGRES_DB).toMatch(/^\$\{POSTGRES_DB:\?/);
    expect(db.environment.PGDATA).toBe('/var/lib/postgresql/data/pgdata');
    expect(db.expose).toEqual(['5432']);
  });

  test('GIVEN the FastApiBackend WHEN mapped THEN api builds from the backend folder, exposes 8000, checks /health with python and waits for db and the migration', () => {
    const result = dev();
    const api = synthesizeCompose(result).compose.services.api as any;
    expect(api.build).toEqual({ context: '../../../examples/fullstack/backend', dockerfile: 'Dockerfile' });
    // Resolved from dist/dev/compose/, the context is the reference backend folder.
    expect(fs.existsSync(path.join(ROOT, 'dist/dev/compose', api.build.context, api.build.dockerfile))).toBe(true);
    expect(api.image).toBe(result.stack.backend.workload.image);
    expect(api.expose).toEqual(['8000']);
    expect(api.healthcheck.test.slice(0, 3)).toEqual(['CMD', 'python3', '-c']);
    expect(api.healthcheck.test[3]).toContain('urllib.request.urlopen("http://127.0.0.1:8000/health"');
    expect(api.healthcheck.start_period).toBe('150s');
    expect(api.depends_on).toEqual({
      db: { condition: 'service_healthy' },
      'api-migrate': { condition: 'service_completed_successfully' },
    });
    expect(api.entrypoint).toBeUndefined();
    expect(api.command).toBeUndefined();
  });

  test('GIVEN the backend wiring WHEN mapped THEN DATABASE_URL and PG* are built from the .env variables and the db service name', () => {
    const api = devProject().compose.services.api as any;
    const v = (n: string) => `\${${n}:?copy .env.example to .env}`;
    expect(api.environment.DATABASE_URL).toBe(`postgresql://${v('POSTGRES_USER')}:${v('POSTGRES_PASSWORD')}@db:5432/${v('POSTGRES_DB')}`);
    expect(api.environment.PGHOST).toBe('db');
    expect(api.environment.PGPORT).toBe('5432');
    expect(api.environment.PGPASSWORD).toBe(v('POSTGRES_PASSWORD'));
    expect(api.environment.LOG_LEVEL).toBe('debug');
  });

  test('GIVEN migrationCommand WHEN mapped THEN api-migrate runs it once, as the app, after db is healthy', () => {
    const { api, 'api-migrate': migrate } = devProject().compose.services as any;
    expect(migrate.entrypoint).toEqual(['alembic', 'upgrade', 'head']);
    expect(migrate.restart).toBe('no');
    expect(migrate.healthcheck).toBeUndefined();
    expect(migrate.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    for (const key of ['image', 'build', 'user', 'read_only', 'tmpfs', 'environment', 'cap_drop']) expect(migrate[key]).toEqual(api[key]);
  });

  test('GIVEN the NextFrontend WHEN mapped THEN web exposes 3000, gets API_URL from the backend wiring and waits for api', () => {
    const result = dev();
    const web = synthesizeCompose(result).compose.services.web as any;
    expect(web.expose).toEqual(['3000']);
    expect(web.environment.API_URL).toBe(result.stack.backend.url);
    expect(web.environment.API_URL).toBe('http://api:8000');
    expect(web.environment.NEXT_PUBLIC_API_PATH).toBe('/api');
    expect(web.build.context).toBe('../../../examples/fullstack/frontend');
    expect(web.healthcheck.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(web.depends_on).toEqual({ api: { condition: 'service_healthy' } });
  });

  test('GIVEN each workload WHEN mapped THEN it runs as its user, read-only, with a tmpfs per scratch path, no capabilities and restart unless-stopped', () => {
    const result = dev();
    const services = synthesizeCompose(result).compose.services as any;
    for (const w of [(result.stack.database as Postgres).workload, result.stack.backend.workload, result.stack.frontend.workload]) {
      const s = services[w.name];
      expect(s.user).toBe(`${w.user}:${w.group}`);
      expect(s.restart).toBe('unless-stopped');
      expect(s.read_only).toBe(true);
      expect(s.tmpfs.map((t: string) => t.split(':')[0])).toEqual(w.scratchPaths);
      expect(s.tmpfs.every((t: string) => t.includes(`uid=${w.user},gid=${w.group}`))).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.security_opt).toEqual(['no-new-privileges:true']);
      expect(s.mem_limit).toBeDefined();
      expect(s.ports).toBeUndefined();
    }
    expect(services.web.tmpfs).toContain('/app/.next/cache:uid=1001,gid=1001,mode=0700');
  });

  test('GIVEN the NginxIngress WHEN mapped THEN nginx is a pinned non-root read-only service with the only published port', () => {
    const services = devProject().compose.services as any;
    const nginx = services.nginx;
    expect(nginx.image).toBe('nginx:1.27-alpine');
    expect(nginx.user).toBe('101:101');
    expect(nginx.read_only).toBe(true);
    expect(nginx.tmpfs.map((t: string) => t.split(':')[0])).toEqual(['/tmp', '/var/cache/nginx', '/var/run']);
    expect(nginx.ports).toEqual(['127.0.0.1:8080:8080']);
    expect(nginx.volumes).toEqual(['./nginx/nginx.conf:/etc/nginx/nginx.conf:ro']);
    expect(nginx.depends_on).toEqual({ api: { condition: 'service_healthy' }, web: { condition: 'service_healthy' } });
    expect(nginx.expose).toBeUndefined(); // the status port is loopback-only inside the container
    const published = Object.entries(services)
      .filter(([, s]: [string, any]) => s.ports)
      .map(([n]) => n);
    expect(published).toEqual(['nginx']);
  });

  test('GIVEN the NginxIngress WHEN mapped THEN nginx has a busybox-wget healthcheck on its internal status server, timed like the other services', () => {
    const services = devProject().compose.services as any;
    expect(services.nginx.healthcheck).toEqual({
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8081/healthz'],
      interval: '10s',
      timeout: '3s',
      retries: 3,
    });
    for (const name of ['api', 'web']) {
      expect(services[name].healthcheck.interval).toBe(services.nginx.healthcheck.interval);
      expect(services[name].healthcheck.timeout).toBe(services.nginx.healthcheck.timeout);
      expect(services[name].healthcheck.retries).toBe(services.nginx.healthcheck.retries);
    }
    // Every long-running service reports healthy now; only the one-shot migration has no healthcheck.
    const unchecked = Object.entries(services)
      .filter(([, s]: [string, any]) => !s.healthcheck)
      .map(([n]) => n);
    expect(unchecked).toEqual(['api-migrate']);
    // The port and path the healthcheck requests are the ones of the rendered status server.
    const conf = devProject().files['nginx/nginx.conf'];
    const url = new URL(services.nginx.healthcheck.test[5]);
    expect(conf).toContain(`listen ${url.hostname}:${url.port};`);
    expect(conf).toContain(`location = ${url.pathname} {`);
  });

  test('GIVEN a dev password in the stack WHEN rendered THEN no file contains it and .env.example lists every variable the compose file reads', () => {
    const project = devProject();
    for (const [file, content] of Object.entries(project.files)) {
      expect({ file, leaks: content.includes(DEV_PASSWORD) }).toEqual({ file, leaks: false });
    }
    const referenced = new Set([...project.files['docker-compose.yml'].matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
    const listed = new Set([...project.files['.env.example'].matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect([...referenced].sort()).toEqual(['POSTGRES_DB', 'POSTGRES_PASSWORD', 'POSTGRES_USER']);
    for (const v of referenced) expect(listed.has(v)).toBe(true);
    expect(project.files['.env.example']).toContain('POSTGRES_PASSWORD=change-me\n');
    expect(project.files['.env.example']).toContain('COMPOSE_PROJECT_NAME=kstack-demo-dev\n');
  });

  test('GIVEN the dev stack WHEN rendered THEN the header lists what has no Compose equivalent', () => {
    const project = devProject();
    const yml = project.files['docker-compose.yml'];
    expect(yml.startsWith('# Generated by kstack')).toBe(true);
    for (const kind of ['NetworkPolicies', 'Namespace', 'ServiceAccount', 'resource requests', 'readiness probes']) {
      expect(project.unmapped.some((line) => line.startsWith(kind))).toBe(true);
      expect(yml).toContain(`#   - ${kind}`);
    }
    // Compose restricts no traffic, and says so with the connections Kubernetes allows.
    expect(project.unmapped.find((l) => l.startsWith('NetworkPolicies'))).toBe(
      'NetworkPolicies (allowed: api -> db, web -> api): Compose restricts nothing: every service reaches every other service and any outside address (only nginx publishes a port)',
    );
  });

  test('GIVEN the staging stack WHEN rendered THEN HPA, PDB, backups, Argo CD and TLS are listed as not mapped', () => {
    const project = synthesizeCompose(synthesizeEnv(environments.staging));
    const header = project.unmapped.join('\n');
    for (const item of [
      'HorizontalPodAutoscaler (api: 2-4, web: 2-4)',
      'PodDisruptionBudget api, web',
      'backups of db (CronJob db-backup, 0 3 * * *)',
      'Application kstack-demo-staging',
      'TLS (Secret ingress-tls)',
    ]) {
      expect(header).toContain(item);
    }
  });

  test('GIVEN a managed database (prod) WHEN rendered THEN there is no db service and the connection settings come from .env', () => {
    const project = synthesizeCompose(synthesizeEnv(environments.prod));
    expect(Object.keys(project.compose.services)).toEqual(['api-migrate', 'api', 'web', 'nginx']);
    const api = project.compose.services.api as any;
    expect(api.environment.DATABASE_URL).toBe('${DATABASE_URL:?copy .env.example to .env}');
    expect(api.depends_on).toEqual({ 'api-migrate': { condition: 'service_completed_successfully' } });
    expect(api.build).toBeUndefined();
    expect(project.variables.map((v) => v.name)).toEqual(['DATABASE_URL', 'PGDATABASE', 'PGHOST', 'PGPASSWORD', 'PGPORT', 'PGUSER']);
  });
});

describe('compose: nginx.conf', () => {
  test('GIVEN the dev ingress WHEN rendered THEN / goes to web and /api to api with the prefix stripped like the Ingress', () => {
    const conf = devProject().files['nginx/nginx.conf'];
    expect(conf).toContain('set $kstack_upstream_api api:8000;\n        set $kstack_upstream_web web:3000;\n');
    expect(conf).toContain(
      'location ~ "^/api(/|$)" {\n            rewrite "^/api(/|$)(.*)" /$2 break;\n            proxy_pass http://$kstack_upstream_api;',
    );
    expect(conf).toContain('location / {\n            proxy_pass http://$kstack_upstream_web;');
    expect(conf.indexOf('location ~ "^/api')).toBeLessThan(conf.indexOf('location / {'));
    expect(conf).toContain('listen 8080 default_server;');
    expect(conf).toContain('pid /tmp/nginx.pid;');
    expect(conf).toContain('client_max_body_size 10m;');
    expect(conf).toContain('proxy_read_timeout 60s;');
    expect(conf).not.toMatch(/^\s*user\s/m);
  });

  test('GIVEN the dev ingress WHEN rendered THEN a second server on 127.0.0.1:8081 answers /healthz and the public server has no /healthz of its own', () => {
    const conf = devProject().files['nginx/nginx.conf'];
    const servers = conf.split(/^ {4}server \{$/m).slice(1);
    expect(servers).toHaveLength(2);
    const [pub, status] = servers;
    expect(pub).toContain('listen 8080 default_server;');
    expect(pub).not.toContain('healthz');
    expect(pub).not.toContain('127.0.0.1');
    expect(status).toContain('listen 127.0.0.1:8081;');
    expect(status).not.toMatch(/listen (?!127\.0\.0\.1:)/);
    expect(status).toContain('location = /healthz {\n            access_log off;\n            return 200 "ok\\n";\n        }');
    expect(status).toContain('location / {\n            return 404;');
    expect(status).not.toContain('proxy_pass');
    // /healthz on the public listener is an app path: the catch-all route sends it to web.
    expect(pub).toContain('location / {\n            proxy_pass http://$kstack_upstream_web;');
  });

  test('GIVEN statusPort and listenPort options WHEN rendered THEN only those two listen lines change; the same port for both is refused', () => {
    const result = dev();
    const base = renderNginxConf(result.stack.ingress);
    const moved = renderNginxConf(result.stack.ingress, { listenPort: 18080, statusPort: 18081 });
    const diff = base
      .split('\n')
      .map((l, i) => [l, moved.split('\n')[i]])
      .filter(([a, b]) => a !== b)
      .map(([a, b]) => `${a.trim()} -> ${b.trim()}`);
    expect(diff).toEqual([
      'listen 8080 default_server; -> listen 18080 default_server;',
      'listen 127.0.0.1:8081; -> listen 127.0.0.1:18081;',
    ]);
    expect(errorOf(() => renderNginxConf(result.stack.ingress, { listenPort: 9000, statusPort: 9000 }))).toContain('statusPort');
    expect(errorOf(() => renderNginxConf(result.stack.ingress, { listenPort: 8081 }))).toContain('statusPort');
  });

  test('GIVEN the dev ingress WHEN rendered THEN every upstream is a name resolved per request through Docker DNS, with no URI part in proxy_pass', () => {
    const conf = devProject().files['nginx/nginx.conf'];
    // A static `upstream { server name:port; }` is resolved once at start: a re-created service would get 502s.
    expect(conf).not.toMatch(/^\s*upstream\s/m);
    expect(conf.match(/^\s*resolver\s.*$/gm)).toEqual(['    resolver 127.0.0.11 valid=5s ipv6=off;']);
    const [http, pub] = conf.split(/^ {4}server \{$/m);
    expect(http).toContain('resolver 127.0.0.11'); // http level: every server and location inherits it
    const sets = Object.fromEntries([...pub.matchAll(/^ {8}set (\$\S+) (\S+);$/gm)].map((m) => [m[1], m[2]]));
    expect(sets).toEqual({ $kstack_upstream_api: 'api:8000', $kstack_upstream_web: 'web:3000' });
    const passes = [...conf.matchAll(/proxy_pass (\S+);/g)].map((m) => m[1]);
    expect(passes.sort()).toEqual(['http://$kstack_upstream_api', 'http://$kstack_upstream_web']);
    // The variable holds host:port only: nginx then passes the (rewritten) request URI as with a static upstream.
    for (const v of Object.values(sets)) expect(v).not.toContain('/');
    // `set` before `rewrite ... break` (break stops the rewrite module): the sets are at server level.
    expect(pub.indexOf('set $kstack_upstream_api')).toBeLessThan(pub.indexOf('location'));
  });

  test('GIVEN resolver and resolveValidSeconds options WHEN rendered THEN only the resolver line and its comment change', () => {
    const result = dev();
    const base = renderNginxConf(result.stack.ingress).split('\n');
    const moved = renderNginxConf(result.stack.ingress, { resolver: '127.0.0.1:5353', resolveValidSeconds: 2 }).split('\n');
    expect(moved).toHaveLength(base.length);
    const diff = base.map((l, i) => [l, moved[i]]).filter(([a, b]) => a !== b);
    expect(diff.map(([a, b]) => `${a.trim()} -> ${b.trim()}`)).toEqual([
      "# address is routed again within 5s (valid= overrides the answer's TTL), no restart needed. -> # address is routed again within 2s (valid= overrides the answer's TTL), no restart needed.",
      'resolver 127.0.0.11 valid=5s ipv6=off; -> resolver 127.0.0.1:5353 valid=2s ipv6=off;',
    ]);
  });

  test.each([
    [
      'a resolver host name',
      { resolver: 'dns.local' },
      'nginx resolver must be an IPv4 address with an optional port (e.g. \'127.0.0.11\'), got "dns.local"',
    ],
    ['a resolver with a bad port', { resolver: '127.0.0.11:0' }, 'got "127.0.0.11:0"'],
    ['a directive smuggled in the resolver', { resolver: '127.0.0.11; include /etc/passwd' }, 'nginx resolver must be'],
    ['resolveValidSeconds 0', { resolveValidSeconds: 0 }, 'resolveValidSeconds must be an integer from 1 to 3600, got 0'],
    [
      'an upstream host with a space',
      { upstreamHosts: { api: '10.0.0.1 backup' } },
      'upstreamHosts.api must be a host name or an IPv4 address, got "10.0.0.1 backup"',
    ],
  ])('fails when the nginx options have %s', (_, options, message) => {
    expect(errorOf(() => renderNginxConf(dev().stack.ingress, options))).toContain(message);
  });

  test('GIVEN the same rule as the Ingress WHEN applied to paths THEN /api/items?x maps to /items?x and /apix is not matched', () => {
    // staging keeps NginxIngress (dev routes through the Gateway API: test/routing-table.test.ts compares all three).
    const result = synthesizeEnv(environments.staging);
    const k8sIngress = result.files[0].objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'ingress-strip') as any;
    expect(k8sIngress.metadata.annotations['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/$2');
    expect(k8sIngress.spec.rules[0].http.paths[0].path).toBe('/api(/|$)(.*)');
    const rule = /^\/api(\/|$)(.*)/;
    const rewrite = (p: string) => p.replace(rule, '/$2');
    expect(rewrite('/api/items')).toBe('/items');
    expect(rewrite('/api')).toBe('/');
    expect(rule.test('/apix')).toBe(false);
  });

  test('GIVEN routes of different lengths, a plain prefix and no root WHEN rendered THEN the longest prefix comes first and / is a 404', () => {
    const chart = testChart();
    const api = new FastApiBackend(chart, 'api', { image: 'api:1' });
    const admin = new NextFrontend(chart, 'admin', { image: 'admin:1' });
    const ingress = new NginxIngress(chart, 'ingress', {
      routes: [
        { path: '/api', backend: api, stripPrefix: true },
        { path: '/api/admin.v1', backend: admin },
      ],
    });
    const conf = renderNginxConf(ingress, { upstreamHosts: { api: '10.0.0.1' } });
    expect(conf.indexOf('location ~ "^/api/admin\\.v1(/|$)" {\n            proxy_pass http://$kstack_upstream_admin;')).toBeGreaterThan(0);
    expect(conf.indexOf('"^/api/admin')).toBeLessThan(conf.indexOf('"^/api(/|$)"'));
    expect(conf).toContain('set $kstack_upstream_api 10.0.0.1:8000;');
    expect(conf).toContain('set $kstack_upstream_admin admin:3000;');
    expect(conf).toContain('server_name _;');
    expect(conf).toContain('location / {\n            return 404;');
  });
});

describe('compose: mapping of a custom tree', () => {
  test('GIVEN overrides, a secret, a data volume and a CPU limit WHEN mapped THEN entrypoint/command, a .env variable, a named volume and cpus follow', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'pg', { password: SecretValue.unsafePlainText('literal-should-not-leak') });
    new FastApiBackend(chart, 'svc', {
      image: 'svc:1',
      build: { context: 'services/svc', dockerfile: 'docker/Dockerfile' },
      command: ['python', '-m', 'svc'],
      args: ['--port', '8000', '--greeting=$HOME'],
      secretEnv: { STRIPE_KEY: { name: 'stripe', key: 'api-key' } },
      env: { PRICE: '5$' },
      database: db,
      dataVolume: { path: '/data', size: '1Gi' },
      resources: { cpuLimit: '500m', memoryLimit: '1Gi' },
    });
    const project = renderCompose(chart, { contextRoot: '..', projectName: 'shop' });
    const svc = project.compose.services.svc as any;
    expect(svc.build).toEqual({ context: '../services/svc', dockerfile: 'docker/Dockerfile' });
    expect(svc.entrypoint).toEqual(['python', '-m', 'svc']);
    expect(svc.command).toEqual(['--port', '8000', '--greeting=$$HOME']);
    expect(svc.environment.PRICE).toBe('5$$');
    expect(svc.environment.STRIPE_KEY).toBe('${STRIPE_KEY:?copy .env.example to .env}');
    expect(svc.environment.DATABASE_URL).toContain('@pg:5432/');
    expect(svc.volumes).toEqual(['svc-data:/data']);
    expect(svc.cpus).toBe('0.5');
    expect(svc.mem_limit).toBe('1g');
    expect(svc.depends_on).toEqual({ pg: { condition: 'service_healthy' } });
    expect(project.compose.volumes).toEqual({ 'pg-data': {}, 'svc-data': {} });
    expect(project.files['.env.example']).toContain('STRIPE_KEY=change-me');
    expect(project.files['.env.example']).toContain('COMPOSE_PROJECT_NAME=shop');
    expect(project.files).not.toHaveProperty(['nginx/nginx.conf']);
    expect(Object.values(project.files).some((f) => f.includes('literal-should-not-leak'))).toBe(false);
  });

  test('GIVEN an invalid project name WHEN rendered THEN the error names the option', () => {
    expect(errorOf(() => renderCompose(testChart(), { projectName: 'My App' }))).toContain('projectName');
  });
});

describe('compose: the synth command', () => {
  test('GIVEN the synth CLI WHEN run with --target compose --env dev THEN it writes the files the renderer returns for the program', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-synth-'));
    try {
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, 'bin/kstack.js'), 'synth', '--target', 'compose', '--env', 'dev', '--out', out],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
      const dir = path.join(out, 'dev', 'compose');
      // The same renderer as synthesizeCompose, with the program's name and the command that regenerates the files.
      const contextRoot = path.relative(dir, ROOT).split(path.sep).join('/');
      const expected = environmentCompose(dev(), {
        contextRoot,
        source: "the 'dev' environment of stacks/index.ts",
        regenerateCommand: 'kstack synth stacks/index.ts --target compose --env dev',
      }).files;
      const paths = (d: string): string[] =>
        fs
          .readdirSync(d, { recursive: true, encoding: 'utf8' })
          .filter((f) => !f.startsWith('.kstack-output') && fs.statSync(path.join(d, f)).isFile())
          .sort();
      expect(paths(dir)).toEqual(Object.keys(expected).sort());
      for (const [file, content] of Object.entries(expected)) expect(fs.readFileSync(path.join(dir, file), 'utf8')).toBe(content);
      // The service definitions are those of synthesizeCompose: only the header's two lines name the command.
      expect(parse(expected['docker-compose.yml'])).toEqual(parse(synthesizeCompose(dev(), { contextRoot }).files['docker-compose.yml']));
      expect(fs.existsSync(path.join(out, 'dev', 'app.k8s.yaml'))).toBe(false);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
