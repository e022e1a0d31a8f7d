/**
 * A throwaway PostgreSQL server for the end-to-end test: initdb in a temporary directory, the
 * postmaster in the foreground (its own process group, stopped by pid), TCP on 127.0.0.1 only
 * with password (scram-sha-256) authentication, so the credentials kstack generates are checked
 * for real; the admin connection goes through a private Unix socket.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Managed, ProcessSet, runChecked, waitForCommand } from './processes';
import { PgTools } from './tools';

export interface PgCredentials {
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export class LocalPostgres {
  readonly dataDir: string;
  readonly socketDir: string;
  private proc?: Managed;
  private starts = 0;

  constructor(
    private readonly tools: PgTools,
    private readonly procs: ProcessSet,
    dir: string,
    readonly port: number,
  ) {
    this.dataDir = path.join(dir, 'data');
    this.socketDir = path.join(dir, 'socket');
    for (const d of [dir, this.dataDir, this.socketDir]) {
      fs.mkdirSync(d, { recursive: true, mode: 0o700 });
      if (tools.pgUser) fs.chownSync(d, tools.pgUser.uid, tools.pgUser.gid);
    }
  }

  private env(): Record<string, string> {
    return { PATH: `${this.tools.pgBin}:/usr/bin:/bin`, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC' };
  }

  /** The argv that runs a PostgreSQL binary, as the unprivileged user when the suite is root. */
  private argv(tool: string, args: readonly string[]): [string, string[]] {
    const bin = path.join(this.tools.pgBin, tool);
    if (!this.tools.pgUser) return [bin, [...args]];
    const u = this.tools.pgUser;
    return [this.tools.setpriv!, ['--reuid', String(u.uid), '--regid', String(u.gid), '--clear-groups', '--', bin, ...args]];
  }

  /** initdb: superuser `postgres` over the socket (trust), everyone else over TCP with a password. */
  init(): void {
    const [cmd, args] = this.argv('initdb', [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
      '--no-instructions',
    ]);
    runChecked('initdb', cmd, args, { cwd: this.socketDir, env: this.env(), timeoutMs: 60_000 });
  }

  /** Starts the postmaster and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.proc && !this.proc.exit) throw new Error('postgres is already running');
    const [cmd, args] = this.argv('postgres', [
      '-D',
      this.dataDir,
      '-p',
      String(this.port),
      '-k',
      this.socketDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ]);
    // SIGINT: fast shutdown (SIGTERM would wait for the backend's pooled connections).
    this.proc = this.procs.start(`postgres-${++this.starts}`, cmd, args, { cwd: this.socketDir, env: this.env(), stopSignal: 'SIGINT' });
    await waitForCommand('postgres', path.join(this.tools.pgBin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(this.port)], {
      cwd: this.socketDir,
      env: this.env(),
      timeoutMs: 20_000,
      proc: this.proc,
    });
  }

  /** Fast shutdown (SIGINT to the postmaster, as `pg_ctl stop -m fast`), waiting for it to exit. */
  async stop(): Promise<void> {
    if (!this.proc || this.proc.exit) return;
    await this.procs.stop(this.proc, { group: false, graceMs: 15_000 });
  }

  /** Creates the login role and the database it owns, as the postgres image does from POSTGRES_USER/PASSWORD/DB. */
  createRoleAndDatabase(c: PgCredentials): void {
    // psql variables quote identifiers (:"x") and literals (:'x'): no value is pasted into SQL.
    const sql = 'CREATE ROLE :"user" LOGIN PASSWORD :\'password\';\nCREATE DATABASE :"database" OWNER :"user";\n';
    const vars = ['-v', `user=${c.user}`, '-v', `password=${c.password}`, '-v', `database=${c.database}`];
    this.psql('psql (create role and database)', 'postgres', [...vars, '-f', '-'], sql);
  }

  /** Runs a query as the superuser, returning unaligned output. */
  query(database: string, sql: string): string {
    return this.psql('psql', database, ['-A', '-t', '-c', sql]).trim();
  }

  /** psql as the superuser over the socket, stopping at the first error. */
  private psql(what: string, database: string, args: readonly string[], input?: string): string {
    const base = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', this.socketDir, '-p', String(this.port), '-U', 'postgres', '-d', database];
    return runChecked(what, path.join(this.tools.pgBin, 'psql'), [...base, ...args], { cwd: this.socketDir, env: this.env(), input });
  }
}
