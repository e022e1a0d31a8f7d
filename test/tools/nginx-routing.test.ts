/**
 * Real-tool tier: the generated nginx.conf run by Debian's nginx (1.22), outside Docker.
 *
 * - The URI each backend receives, byte for byte, for a table of request paths (prefix stripping,
 *   query strings, percent-encoding, dot segments). The expected values are what the previous
 *   configuration (static `upstream` blocks) passed, measured with the same nginx: the per-request
 *   resolution (a variable in `proxy_pass`) must not change them. The upstreams are 127.0.0.1 here
 *   (`upstreamHosts`) and the resolver is the default 127.0.0.11, which does not exist outside
 *   Docker: an IP address is never looked up.
 * - Re-resolution: the upstreams are service names answered by a small DNS server of the test
 *   (the role of Docker's embedded DNS); a service moves to another address and nginx routes to it
 *   within 10 s, without a reload or restart.
 */
import { spawnSync } from 'child_process';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { renderNginxConf } from '../../lib';
import { environments } from '../../stacks/environments';
import { synthesizeCompose, synthesizeEnv } from '../../stacks/synth';
import { freePorts, Managed, ProcessSet, logTail } from './e2e/processes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nginxBinary(): string {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx', '/sbin/nginx']) if (fs.existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  throw new Error('nginx is not installed: these tests need it (apt-get install -y nginx; CI installs it)');
}

/** One raw HTTP/1.1 request: the request line is sent exactly as given (no URL normalization). */
function rawGet(port: number, rawPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`timeout: GET ${rawPath}`)));
    socket.on('connect', () => socket.write(`GET ${rawPath} HTTP/1.1\r\nHost: app.localhost\r\nConnection: close\r\n\r\n`));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

/** A backend that answers with its label and the request line it received. */
async function echoServer(label: string, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => res.end(`${label} ${req.method} ${req.url}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

const closeServer = (s: http.Server) =>
  new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  });

/**
 * The DNS answers of Docker's embedded server, for the test: an A record with TTL 600 for each
 * name in `records` (changed by the test), NXDOMAIN for anything else. Counts the queries.
 */
class DnsStub {
  readonly records = new Map<string, string>();
  queries = 0;
  private readonly socket = dgram.createSocket('udp4');

  async listen(port: number): Promise<void> {
    this.socket.on('message', (msg, rinfo) => this.socket.send(this.answer(msg), rinfo.port, rinfo.address));
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, '127.0.0.1', resolve);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(msg: Buffer): Buffer {
    this.queries++;
    let i = 12;
    const labels: string[] = [];
    while (msg[i] !== 0) {
      labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('ascii'));
      i += msg[i] + 1;
    }
    const question = msg.subarray(12, i + 5); // name, type, class
    const type = msg.readUInt16BE(i + 1);
    const ip = this.records.get(labels.join('.').toLowerCase());
    const found = ip !== undefined && type === 1;
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(found ? 0x8180 : 0x8183, 2); // response, recursion desired + available; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(found ? 1 : 0, 6);
    if (!found) return Buffer.concat([header, question]);
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // the name of the question
    rr.writeUInt16BE(1, 2); // A
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(600, 6); // Docker's TTL: nginx's valid= must override it
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((b, k) => rr.writeUInt8(Number(b), 12 + k));
    return Buffer.concat([header, question, rr]);
  }
}

describe('nginx.conf with the real nginx', () => {
  const nginx = nginxBinary();
  let tmp: string;
  let procs: ProcessSet;
  const servers: http.Server[] = [];

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-nginx-routing-'));
    fs.chmodSync(tmp, 0o755); // the workers run as nobody when the test is root
    procs = new ProcessSet(tmp);
  });
  afterEach(async () => {
    await procs.stopAll();
    await Promise.all(servers.splice(0).map(closeServer));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The dev project's nginx.conf with local ports, its pid and temp paths in the temp folder. */
  function startNginx(conf: string, ports: Record<string, number>): Managed {
    let text = conf.replace(/\/tmp\//g, `${tmp}/`);
    for (const [service, port] of Object.entries(ports))
      text = text.replace(new RegExp(`(set \\$kstack_upstream_${service} [^:]+):\\d+;`), `$1:${port};`);
    fs.writeFileSync(path.join(tmp, 'nginx.conf'), text);
    // access_log is /dev/stdout: a file here (the log of the process), as Docker gives a pipe.
    return procs.start('nginx', nginx, ['-e', 'stderr', '-c', path.join(tmp, 'nginx.conf'), '-g', 'daemon off;'], {
      cwd: tmp,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      stopSignal: 'SIGQUIT',
    });
  }

  /**
   * Polls until `stable` requests in a row answer `want` (nginx runs a worker per core, each with
   * its own DNS cache: one good answer is not enough); returns the ms until the first of them.
   */
  async function waitFor(port: number, rawPath: string, want: string, proc: Managed, timeoutMs: number, stable = 1): Promise<number> {
    const t0 = Date.now();
    let last = '';
    let since: number | undefined;
    let streak = 0;
    while (Date.now() - t0 < timeoutMs) {
      if (proc.exit) throw new Error(`nginx exited: ${JSON.stringify(proc.exit)}\n${logTail(proc)}`);
      try {
        const r = await rawGet(port, rawPath);
        last = `${r.status} ${r.body.slice(0, 120)}`;
        const ok = r.status === 200 && r.body === want;
        since = ok ? (since ?? Date.now()) : undefined;
        streak = ok ? streak + 1 : 0;
        if (streak >= stable) return since! - t0;
      } catch (err) {
        last = (err as Error).message;
        since = undefined;
        streak = 0;
      }
      await sleep(50);
    }
    throw new Error(
      `GET ${rawPath} did not answer '${want}' ${stable} times in a row within ${timeoutMs} ms (last: ${last})\n${logTail(proc)}`,
    );
  }

  test('GIVEN the dev nginx.conf on 127.0.0.1 upstreams WHEN paths go through nginx THEN each backend receives the URI the static upstreams passed', async () => {
    const result = synthesizeEnv(environments.dev);
    const composeConf = synthesizeCompose(result).files['nginx/nginx.conf'];
    const conf = renderNginxConf(result.stack.ingress, { upstreamHosts: { api: '127.0.0.1', web: '127.0.0.1' } });
    expect(conf).toContain('resolver 127.0.0.11 valid=5s'); // the Compose default, unused for IP addresses
    expect(conf.split('\n').length).toBe(composeConf.split('\n').length);
    const [listen, status, api, web] = await freePorts(4);
    servers.push(await echoServer('api', '127.0.0.1', api), await echoServer('web', '127.0.0.1', web));
    const proc = startNginx(conf.replace('listen 8080 ', `listen ${listen} `).replace('127.0.0.1:8081;', `127.0.0.1:${status};`), {
      api,
      web,
    });
    await waitFor(listen, '/', 'web GET /', proc, 10_000);
    // Measured with the static `upstream api { server ...; }` configuration and nginx 1.22.1.
    const expected: [string, string][] = [
      ['/api/items?x=1', 'api GET /items?x=1'],
      ['/api', 'api GET /'],
      ['/api/', 'api GET /'],
      ['/api?x=1', 'api GET /?x=1'],
      ['/apix', 'web GET /apix'],
      ['/api/a%20b', 'api GET /a%20b'],
      ['/api/a%2Fb', 'api GET /a/b'],
      ['/api/a%2fb?q=%20', 'api GET /a/b?q=%20'],
      ['/api//double', 'api GET /double'],
      ['/api/./x', 'api GET /x'],
      ['/api/../etc', 'web GET /api/../etc'],
      ['/x%20y', 'web GET /x%20y'],
      ['/a/%2e%2e/b', 'web GET /a/%2e%2e/b'],
      ['/api/%7Euser', 'api GET /~user'],
      ['/api/caf%C3%A9', 'api GET /caf%C3%A9'],
      ['/api/a+b', 'api GET /a+b'],
      ['/api/a;b', 'api GET /a;b'],
      ['/?q=1', 'web GET /?q=1'],
      ['/', 'web GET /'],
    ];
    const got: [string, string][] = [];
    for (const [p] of expected) got.push([p, (await rawGet(listen, p)).body]);
    expect(got).toEqual(expected);
    expect(fs.readFileSync(proc.logFile, 'utf8')).not.toMatch(/\[(error|crit|alert|emerg)\]/);
  });

  test('GIVEN upstreams resolved through DNS WHEN api then web move to another address THEN nginx routes to the new one within 10 s without a restart', async () => {
    const [listen, status, apiPort, webPort, dnsPort] = await freePorts(5);
    const dns = new DnsStub();
    await dns.listen(dnsPort);
    try {
      const result = synthesizeEnv(environments.dev);
      // The Compose file's conf: service names, resolved per request; the resolver is the test's.
      const conf = renderNginxConf(result.stack.ingress, { resolver: `127.0.0.1:${dnsPort}` });
      expect(conf).toContain('set $kstack_upstream_api api:8000;');
      dns.records.set('api', '127.0.0.2');
      dns.records.set('web', '127.0.0.2');
      const old = {
        api: await echoServer('api@127.0.0.2', '127.0.0.2', apiPort),
        web: await echoServer('web@127.0.0.2', '127.0.0.2', webPort),
      };
      servers.push(old.api, old.web);
      const proc = startNginx(conf.replace('listen 8080 ', `listen ${listen} `).replace('127.0.0.1:8081;', `127.0.0.1:${status};`), {
        api: apiPort,
        web: webPort,
      });
      await waitFor(listen, '/', 'web@127.0.0.2 GET /', proc, 10_000, 20);
      await waitFor(listen, '/api/items?x=1', 'api@127.0.0.2 GET /items?x=1', proc, 5_000, 20);
      const master = fs.readFileSync(path.join(tmp, 'nginx.pid'), 'utf8').trim();

      const recovery: Record<string, number> = {};
      for (const [service, port, probe, want] of [
        ['api', apiPort, '/api/items?x=1', 'GET /items?x=1'],
        ['web', webPort, '/', 'GET /'],
      ] as const) {
        // Re-created: the old container is gone, the new one answers on another address.
        await closeServer(old[service]);
        servers.push(await echoServer(`${service}@127.0.0.3`, '127.0.0.3', port));
        dns.records.set(service, '127.0.0.3');
        recovery[service] = await waitFor(listen, probe, `${service}@127.0.0.3 ${want}`, proc, 10_000, 40);
      }
      // No restart or reload: the same master process, still running, that read the configuration once.
      expect(proc.exit).toBeUndefined();
      expect(fs.readFileSync(path.join(tmp, 'nginx.pid'), 'utf8').trim()).toBe(master);
      expect(fs.readFileSync(proc.logFile, 'utf8')).not.toContain('reconfiguring');
      expect(recovery.api).toBeLessThan(10_000);
      expect(recovery.web).toBeLessThan(10_000);
      expect(dns.queries).toBeGreaterThanOrEqual(4); // api and web, before and after the move (per worker)
      process.stdout.write(
        `nginx re-resolution: routed to the new address (40 requests in a row) after ${recovery.api} ms (api), ${recovery.web} ms (web); ${dns.queries} DNS queries\n`,
      );
    } finally {
      await dns.close();
    }
  });
});
