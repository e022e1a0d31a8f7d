/**
 * Process plumbing for the end-to-end test: free loopback ports, child processes in their own
 * process groups with their output in log files, HTTP polling, and a teardown that stops every
 * group it started (also when the test fails or jest exits early).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** A free TCP port on 127.0.0.1, found by binding port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports (held open together, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.on('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A child process the suite started, in its own process group. */
export interface Managed {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly stopSignal: NodeJS.Signals;
  /** Set once the process has exited. */
  exit?: ExitStatus;
  readonly exited: Promise<ExitStatus>;
}

export interface StartOptions {
  readonly cwd: string;
  /** The whole environment of the process (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
}

export interface ManagedOptions extends StartOptions {
  /** Signal that stops it gracefully at teardown. @default SIGTERM */
  readonly stopSignal?: NodeJS.Signals;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts, tracks and stops the suite's processes. */
export class ProcessSet {
  private readonly procs: Managed[] = [];
  private readonly children = new Map<Managed, ChildProcess>();
  private readonly onExit = () => {
    for (const p of this.running()) killGroup(p.pid, 'SIGKILL');
  };

  constructor(private readonly logDir: string) {
    // jest killed or crashing: no orphans (synchronous, best effort).
    process.on('exit', this.onExit);
  }

  running(): Managed[] {
    return this.procs.filter((p) => !p.exit);
  }

  /** Spawns `command` detached (a new process group), stdout and stderr appended to `<logDir>/<name>.log`. */
  start(name: string, command: string, args: readonly string[], options: ManagedOptions): Managed {
    const logFile = path.join(this.logDir, `${name}.log`);
    const fd = fs.openSync(logFile, 'a');
    fs.writeSync(fd, `$ ${[command, ...args].join(' ')}\n`);
    let child: ChildProcess;
    try {
      child = spawn(command, [...args], { cwd: options.cwd, env: { ...options.env }, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    let resolveExit!: (s: ExitStatus) => void;
    const exited = new Promise<ExitStatus>((r) => {
      resolveExit = r;
    });
    const managed: Managed = { name, pid: child.pid, logFile, exited, stopSignal: options.stopSignal ?? 'SIGTERM' };
    child.on('exit', (code, signal) => {
      managed.exit = { code, signal };
      resolveExit(managed.exit);
    });
    child.on('error', (err) => {
      managed.exit = { code: -1, signal: null };
      fs.appendFileSync(logFile, `spawn error: ${err.message}\n`);
      resolveExit(managed.exit);
    });
    this.procs.push(managed);
    this.children.set(managed, child);
    return managed;
  }

  /**
   * Stops a process: `signal` to its pid (or to its whole group with `group`), SIGKILL to the
   * group after `graceMs`. Resolves once it has exited.
   */
  async stop(p: Managed, options: { signal?: NodeJS.Signals; group?: boolean; graceMs?: number } = {}): Promise<ExitStatus> {
    if (p.exit) {
      killGroup(p.pid, 'SIGKILL');
      return p.exit;
    }
    const signal = options.signal ?? p.stopSignal;
    try {
      process.kill(options.group === false ? p.pid : -p.pid, signal);
    } catch {
      /* already gone */
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), options.graceMs ?? 10_000);
    });
    const status = await Promise.race([p.exited, timeout]);
    clearTimeout(timer);
    // Whatever is left in the group (workers, forked children) goes too.
    killGroup(p.pid, 'SIGKILL');
    return status ?? p.exited;
  }

  /** Stops every process (each with its stop signal, SIGKILL after 5 s), in parallel. */
  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => this.stop(p, { graceMs: 5_000 })));
    process.off('exit', this.onExit);
  }
}

/**
 * Runs `fn` holding an exclusive lock (a directory under the system temp dir named after `key`),
 * so concurrent runs do not build into the same folder at once. A lock whose owner is dead is taken over.
 */
export async function withLock<T>(key: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const dir = path.join(os.tmpdir(), `kstack-e2e-lock-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      let alive = true;
      if (Number.isInteger(owner) && owner > 0) {
        try {
          process.kill(owner, 0);
        } catch {
          alive = false;
        }
      }
      if (!alive) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`lock ${dir} (${key}) still held by pid ${owner} after ${timeoutMs} ms`, { cause: err });
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* no such group */
  }
}

/** The last lines of a process's log, for error messages. */
export function logTail(p: Managed | string, lines = 25): string {
  const file = typeof p === 'string' ? p : p.logFile;
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return text
      .slice(-lines)
      .map((l) => `    | ${l}`)
      .join('\n');
  } catch {
    return '    | (no log)';
  }
}

/** Runs a command to completion (no shell); throws with its output when it fails. */
export function runChecked(
  name: string,
  command: string,
  args: readonly string[],
  options: StartOptions & { input?: string; timeoutMs?: number },
): string {
  const r = spawnSync(command, [...args], {
    cwd: options.cwd,
    env: { ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    killSignal: 'SIGKILL',
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
    throw new Error(
      `${name} failed (${why}): ${[command, ...args].join(' ')}\n${output
        .trimEnd()
        .split('\n')
        .slice(-30)
        .map((l) => `    | ${l}`)
        .join('\n')}`,
    );
  }
  return output;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request (no keep-alive, no redirects), with an explicit Host header when given. */
export function request(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = { connection: 'close', ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: options.method ?? 'GET',
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout after ${options.timeoutMs ?? 10_000} ms: ${url}`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/**
 * Polls `url` until `accept(response)` holds, like a kubelet probe. Fails early when `proc`
 * exits, and with the process's log tail on timeout.
 */
export async function waitForHttp(
  what: string,
  url: string,
  accept: (r: HttpResponse) => boolean,
  options: { timeoutMs: number; proc?: Managed; headers?: Record<string, string>; intervalMs?: number },
): Promise<HttpResponse> {
  const deadline = Date.now() + options.timeoutMs;
  let last: string;
  for (;;) {
    if (options.proc?.exit) {
      throw new Error(
        `${what}: ${options.proc.name} exited (${JSON.stringify(options.proc.exit)}) before ${url} answered\n${logTail(options.proc)}`,
      );
    }
    try {
      const r = await request(url, { headers: options.headers, timeoutMs: 3_000 });
      if (accept(r)) return r;
      last = `HTTP ${r.status} ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: ${url} not as expected after ${options.timeoutMs} ms (last: ${last})${options.proc ? `\n${logTail(options.proc)}` : ''}`,
      );
    }
    await sleep(options.intervalMs ?? 200);
  }
}

/** Polls a command until it exits 0. */
export async function waitForCommand(
  what: string,
  command: string,
  args: readonly string[],
  options: StartOptions & { timeoutMs: number; proc?: Managed },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.proc?.exit)
      throw new Error(`${what}: ${options.proc.name} exited (${JSON.stringify(options.proc.exit)})\n${logTail(options.proc)}`);
    const r = spawnSync(command, [...args], { cwd: options.cwd, env: { ...options.env }, encoding: 'utf8', timeout: 5_000 });
    if (r.status === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not ready after ${options.timeoutMs} ms (${command}: ${(r.stdout + r.stderr).trim()})${options.proc ? `\n${logTail(options.proc)}` : ''}`,
      );
    }
    await sleep(200);
  }
}

/** Phase timings, printed at the end. */
export class Timings {
  private readonly entries: Array<[string, number]> = [];

  async phase<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const start = Date.now();
    try {
      return await fn();
    } finally {
      this.entries.push([name, Date.now() - start]);
    }
  }

  toString(): string {
    const width = Math.max(...this.entries.map(([n]) => n.length), 0);
    return this.entries.map(([n, ms]) => `  ${n.padEnd(width)}  ${(ms / 1000).toFixed(1)} s`).join('\n');
  }
}
