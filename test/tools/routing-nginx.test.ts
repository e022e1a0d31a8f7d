/**
 * Real-tool tier: the route table (test/routing/table.ts) sent through Debian's nginx running the
 * generated nginx.conf of each route set, against echo upstreams on loopback (one address per
 * service, so services sharing a port number stay apart). Every answer (the upstream reached and
 * the request target it received, or the status) must be the route model's routeRequest: this is
 * what proves the model's URI normalization and re-encoding are nginx's.
 *
 * The upstream ports of the conf are moved to free ports (the generated `set $kstack_upstream_*`
 * lines), and the pid and temp paths to the test's folder; nothing else of the file changes.
 * Fails, never skips, when nginx is missing.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { renderNginxConf } from '../../lib';
import { Outcome } from '../routing/interpret';
import { HOST, modelOutcome, render, REQUESTS, ROUTE_SETS } from '../routing/table';
import { freePorts, logTail, ProcessSet, waitForHttp } from './e2e/processes';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));

/** A GET with the request target exactly as given (Node's client sends `path` without normalizing it). */
function get(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: target, headers: { host: HOST, connection: 'close' }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: GET ${target}`)));
    req.on('error', reject);
    req.end();
  });
}

/** An upstream that answers 200 with its name (the model's `service:port`) and the request target it received. */
function echo(name: string, address: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => res.end(`${name} ${req.url}`));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

describe('the route table through the real nginx', () => {
  let tmp: string;
  let procs: ProcessSet;
  const servers: http.Server[] = [];

  beforeAll(() => {
    if (!NGINX) throw new Error('nginx is not installed: this test needs it (apt-get install -y nginx; .ci/run installs it)');
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-routing-nginx-'));
    fs.chmodSync(tmp, 0o755); // the workers run as nobody when the test runs as root
    procs = new ProcessSet(tmp);
  });
  afterEach(async () => {
    await procs.stopAll();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())))));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test.each(Object.keys(ROUTE_SETS))(
    'GIVEN the nginx.conf of route set "%s" WHEN the table goes through nginx THEN every answer is the route model',
    async (set) => {
      const r = render(set);
      const services = [...new Map(r.routes.map((x) => [x.backend.serviceName, x.backend.port])).entries()];
      const [listen, status, ...ports] = await freePorts(2 + services.length);
      // One loopback address per service: 127.0.0.2, .3, ...
      const hosts = Object.fromEntries(services.map(([name], i) => [name, `127.0.0.${i + 2}`]));
      let conf = renderNginxConf(r.router, { upstreamHosts: hosts, listenPort: listen, statusPort: status }).replace(/\/tmp\//g, `${tmp}/`);
      services.forEach(([name, port], i) => {
        const line = `set $kstack_upstream_${name} ${hosts[name]}:${port};`;
        expect(conf).toContain(line);
        conf = conf.replace(line, `set $kstack_upstream_${name} ${hosts[name]}:${ports[i]};`);
      });
      for (const [i, [name, port]] of services.entries()) servers.push(await echo(`${name}:${port}`, hosts[name], ports[i]));
      fs.writeFileSync(path.join(tmp, 'nginx.conf'), conf);
      const proc = procs.start('nginx', NGINX!, ['-e', 'stderr', '-c', path.join(tmp, 'nginx.conf'), '-g', 'daemon off;'], {
        cwd: tmp,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        stopSignal: 'SIGQUIT',
      });
      await waitForHttp('nginx', `http://127.0.0.1:${status}/healthz`, (res) => res.status === 200, { timeoutMs: 10_000, proc });

      const got: Record<string, Outcome> = {};
      for (const target of REQUESTS) {
        const res = await get(listen, target);
        if (res.status !== 200) got[target] = { status: res.status };
        else {
          const space = res.body.indexOf(' ');
          got[target] = { upstream: res.body.slice(0, space), target: res.body.slice(space + 1) };
        }
      }
      expect(got).toEqual(Object.fromEntries(REQUESTS.map((t) => [t, modelOutcome(r.routes, t)])));
      expect(fs.readFileSync(proc.logFile, 'utf8')).not.toMatch(/\[(crit|alert|emerg)\]/);
      if (proc.exit) throw new Error(`nginx exited: ${JSON.stringify(proc.exit)}\n${logTail(proc)}`);
    },
  );
});
