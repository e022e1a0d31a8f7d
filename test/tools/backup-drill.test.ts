/**
 * Real-tool tier: the backup drill. The SYNTHESIZED backup and restore commands (the containers'
 * `command` of the CronJobs kstack renders, `sh -c <script>`) run under dash, as in the Debian-based
 * postgres image, against a real PostgreSQL started in a temp folder:
 *
 * - a backup of a database with 100,000 rows, restored into an empty database: the same rows;
 * - a restore over a damaged live database (--clean) of a chosen file: the rows are back;
 * - a backup against an unreachable database, with a wrong password, and with a pg_dump that
 *   leaves a truncated archive: non-zero exit, no file with a finished backup's name, the
 *   previous good backup untouched;
 * - retention: when every backup is older than retentionDays, the newest `keepLast` stay.
 *
 * The only change to the commands is the backup folder (/backups in the container, a temp folder
 * here): exactly the line `dir=/backups`. Dump and restore times and sizes are printed.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Postgres } from '../../lib';
import { BackupProps } from '../../lib/backup';
import { podSpecOf, testChart, find } from '../util';
import { LocalPostgres } from './e2e/postgres';
import { freePort, ProcessSet } from './e2e/processes';
import { requirePgTools } from './e2e/tools';

const DASH = '/bin/dash';
/** Rows of the drill's table; KSTACK_DRILL_ROWS measures a larger database. */
const ROWS = Number(process.env.KSTACK_DRILL_ROWS ?? 100_000);
const APP = { user: 'app', password: 'drill-password', database: 'app' };

/** The containers' commands of the synthesized CronJobs db-backup and db-restore. */
function synthesizedCommands(props: BackupProps): { backup: string[]; restore: string[] } {
  const chart = testChart();
  new Postgres(chart, 'db', { existingSecret: 'db-credentials', backup: props });
  const json = chart.toJson();
  const command = (name: string): string[] => podSpecOf(find(json, 'CronJob', name)).containers[0].command;
  return { backup: command('db-backup'), restore: command('db-restore') };
}

interface RunResult {
  readonly status: number | null;
  readonly stderr: string;
  readonly seconds: number;
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('backup drill: the synthesized commands against a real PostgreSQL', () => {
  const pgTools = requirePgTools('the backup drill');
  for (const tool of ['pg_dump', 'pg_restore'])
    if (!fs.existsSync(path.join(pgTools.pgBin, tool)))
      throw new Error(`${tool} is not in ${pgTools.pgBin} (apt-get install -y postgresql-15)`);
  if (!fs.existsSync(DASH))
    throw new Error(`${DASH} is not installed: the drill runs the commands as the postgres image does (apt-get install -y dash)`);

  let tmp: string;
  let procs: ProcessSet;
  let pg: LocalPostgres;
  let port: number;
  const numbers: string[] = [];

  /** A folder the commands write to, owned by the user they run as. */
  function folder(name: string): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { mode: 0o700 });
    if (pgTools.pgUser) fs.chownSync(dir, pgTools.pgUser.uid, pgTools.pgUser.gid);
    return dir;
  }

  /** Runs `sh -c <script>` of a synthesized command under dash, as the unprivileged user when root. */
  function run(command: readonly string[], dir: string, env: Record<string, string> = {}, binDir?: string): RunResult {
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    const script = command[2].replace(/^dir=\/backups$/m, `dir=${dir}`);
    expect(script.split('\n').filter((l, i) => l !== command[2].split('\n')[i])).toEqual([`dir=${dir}`]);
    const u = pgTools.pgUser;
    const argv = u ? [pgTools.setpriv!, '--reuid', String(u.uid), '--regid', String(u.gid), '--clear-groups', '--', DASH] : [DASH];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], [...argv.slice(1), '-c', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 240_000,
      env: {
        PATH: `${binDir ? `${binDir}:` : ''}${pgTools.pgBin}:/usr/bin:/bin`,
        LANG: 'C.UTF-8',
        TZ: 'UTC',
        PGCONNECT_TIMEOUT: '10',
        PGHOST: '127.0.0.1',
        PGPORT: String(port),
        PGDATABASE: APP.database,
        PGUSER: APP.user,
        PGPASSWORD: APP.password,
        ...env,
      },
    });
    if (r.error) throw r.error;
    return { status: r.status, stderr: r.stderr, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  }

  const listing = (dir: string) => fs.readdirSync(dir).sort();
  const finished = (dir: string) => listing(dir).filter((f) => /^db-\d{8}T\d{6}Z\.dump$/.test(f));
  /** Count and a digest of every row, in id order, and the sequence's next value. */
  const fingerprint = (database: string) =>
    pg.query(database, "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM items t") +
    ` view=${pg.query(database, 'SELECT count(*) FROM recent_items')}`;

  const commands = synthesizedCommands({});

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-backup-drill-'));
    fs.chmodSync(tmp, 0o755);
    procs = new ProcessSet(tmp);
    port = await freePort();
    pg = new LocalPostgres(pgTools, procs, path.join(tmp, 'pg'), port);
    pg.init();
    await pg.start();
    pg.createRoleAndDatabase(APP);
    // The app's schema, owned by the app's user: a table with a sequence, an index and a view.
    pg.query(
      APP.database,
      `SET ROLE ${APP.user};
       CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, payload text NOT NULL, created timestamptz NOT NULL);
       CREATE INDEX items_name ON items (name);
       CREATE VIEW recent_items AS SELECT id, name FROM items WHERE id > ${ROWS - 10};
       INSERT INTO items (name, payload, created)
         SELECT 'item-' || g, md5(g::text) || repeat('x', 64), timestamptz '2025-01-01' + g * interval '1 minute'
         FROM generate_series(1, ${ROWS}) g;`,
    );
  }, 120_000);

  afterAll(async () => {
    await procs?.stopAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (numbers.length > 0)
      process.stdout.write(`backup drill (${ROWS} rows, PostgreSQL 15, dash):\n${numbers.map((n) => `  ${n}`).join('\n')}\n`);
  });

  let dir: string;
  let first: string;
  let original: string;

  test('GIVEN a database with 100,000 rows WHEN the synthesized backup runs THEN it exits 0 with one finished, readable dump and no partial file', () => {
    dir = folder('backups');
    original = fingerprint(APP.database);
    expect(original).toMatch(new RegExp(`^${ROWS} [0-9a-f]{32} view=10$`));
    const r = run(commands.backup, dir);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.stringContaining('backup: wrote ') });
    expect(listing(dir)).toEqual(finished(dir));
    expect(finished(dir)).toHaveLength(1);
    first = path.join(dir, finished(dir)[0]);
    expect(fs.statSync(first).mode & 0o777).toBe(0o600); // umask 077: the dump holds the data
    const list = spawnSync(path.join(pgTools.pgBin, 'pg_restore'), ['--list', first], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/TABLE DATA public items /);
    const table = pg.query(APP.database, "SELECT pg_size_pretty(pg_total_relation_size('items'))");
    numbers.push(
      `backup (pg_dump -Fc, read back with pg_restore, fsync, rename): ${r.seconds.toFixed(2)} s, dump ${(fs.statSync(first).size / 1e6).toFixed(1)} MB (table + index ${table})`,
    );
  });

  test('GIVEN that backup WHEN the synthesized restore runs into an empty database THEN it holds the same rows, view and sequence', () => {
    pg.query('postgres', `CREATE DATABASE app_restore OWNER ${APP.user}`);
    const r = run(commands.restore, dir, { RESTORE_DATABASE: 'app_restore' }); // RESTORE_FILE unset: the newest
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 0,
      stderr: expect.stringContaining(`restored ${path.basename(first)} into database app_restore`),
    });
    expect(fingerprint('app_restore')).toBe(original);
    expect(pg.query('app_restore', "SELECT nextval('items_id_seq')")).toBe(String(ROWS + 1));
    expect(pg.query('app_restore', "SELECT tableowner FROM pg_tables WHERE tablename = 'items'")).toBe(APP.user);
    numbers.push(`restore into an empty database (pg_restore --single-transaction): ${r.seconds.toFixed(2)} s`);
  });

  test('GIVEN a damaged live database WHEN the restore of a chosen file runs over it THEN the rows of the backup are back', () => {
    pg.query(APP.database, `DELETE FROM items WHERE id % 2 = 0; UPDATE items SET name = 'damaged' WHERE id < 100`);
    expect(fingerprint(APP.database)).not.toBe(original);
    const r = run(commands.restore, dir, { RESTORE_FILE: path.basename(first) });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.stringContaining('into database app') });
    expect(fingerprint(APP.database)).toBe(original);
    numbers.push(`restore over the live database (--clean --if-exists): ${r.seconds.toFixed(2)} s`);
  });

  test.each([
    ['the database is unreachable', { PGPORT: '1' }, /pg_dump exited with status 1 \(no backup written\)/],
    ['the password is wrong', { PGPASSWORD: 'not-the-password' }, /password authentication failed[\s\S]*pg_dump exited with status 1/],
  ])(
    'GIVEN a good backup WHEN the backup runs and %s THEN it fails, writes no finished backup and leaves the good one untouched',
    (_, env, message) => {
      const before = { files: listing(dir), sum: sha256(first), mtime: fs.statSync(first).mtimeMs };
      const r = run(commands.backup, dir, env);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('backup: FAILED:');
      expect(listing(dir)).toEqual(before.files); // no new file, not even a partial one
      expect({ sum: sha256(first), mtime: fs.statSync(first).mtimeMs }).toEqual({ sum: before.sum, mtime: before.mtime });
    },
  );

  test('GIVEN a pg_dump that exits 0 with a truncated archive WHEN the backup runs THEN the read-back fails it and no finished backup is written', () => {
    // A stand-in for a lying pg_dump (or a disk that loses the tail): the real dump, cut in half.
    const shim = folder('shim');
    fs.writeFileSync(
      path.join(shim, 'pg_dump'),
      `#!/bin/sh\nset -e\n"${pgTools.pgBin}/pg_dump" "$@"\nfor a; do case "$a" in --file=*) f="\${a#--file=}";; esac; done\nsize=$(wc -c < "$f")\ntruncate -s $((size / 2)) "$f"\n`,
      { mode: 0o755 },
    );
    const before = listing(dir);
    const r = run(commands.backup, dir, {}, shim);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('the dump does not read back with pg_restore (no backup written)');
    expect(listing(dir)).toEqual(before);
  });

  test('GIVEN a stale partial file and backups all older than retentionDays WHEN a backup with keepLast 2 succeeds THEN the newest two stay, the partial goes, other files are untouched', () => {
    const keep2 = synthesizedCommands({ retentionDays: 7, keepLast: 2 });
    const old = (stamp: string, days: number) => {
      const f = path.join(dir, `db-${stamp}.dump`);
      fs.copyFileSync(first, f);
      const t = new Date(Date.now() - days * 86_400_000);
      fs.utimesSync(f, t, t);
      if (pgTools.pgUser) fs.chownSync(f, pgTools.pgUser.uid, pgTools.pgUser.gid);
      return path.basename(f);
    };
    // The first backup is old too: every finished backup is older than 7 days.
    const t = new Date(Date.now() - 20 * 86_400_000);
    fs.utimesSync(first, t, t);
    const older = [old('20240101T030000Z', 40), old('20240102T030000Z', 39), old('20240103T030000Z', 38)];
    fs.writeFileSync(path.join(dir, 'db-20240104T030000Z.dump.partial'), 'a crashed run');
    fs.writeFileSync(path.join(dir, 'db-20231231T030000Z.sql.gz'), 'a file of the first version');
    fs.writeFileSync(path.join(dir, 'other-20240101T030000Z.dump'), 'not this database');
    for (const f of ['db-20240104T030000Z.dump.partial', 'db-20231231T030000Z.sql.gz', 'other-20240101T030000Z.dump'])
      fs.utimesSync(path.join(dir, f), new Date(0), new Date(0));

    const r = run(keep2.backup, dir);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.stringContaining('backup: deleted ') });
    const fresh = finished(dir).filter((f) => f !== path.basename(first) && !older.includes(f));
    expect(fresh).toHaveLength(1);
    // The two newest finished backups: the new one and the first (all others were older than 7 days).
    expect(finished(dir)).toEqual([path.basename(first), fresh[0]]);
    expect(listing(dir)).toEqual(['db-20231231T030000Z.sql.gz', path.basename(first), fresh[0], 'other-20240101T030000Z.dump'].sort());
    for (const f of older) expect(r.stderr).toContain(`deleted ${f} (older than 7 days)`);
  });

  test('GIVEN backups WHEN a restore names a file that is not there, or a path THEN it fails and says which backups there are', () => {
    const missing = run(commands.restore, dir, { RESTORE_FILE: 'db-19990101T000000Z.dump' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/restore: FAILED: no file .*db-19990101T000000Z\.dump; the backups are: db-/);
    const escape = run(commands.restore, dir, { RESTORE_FILE: '../pg/data/PG_VERSION' });
    expect(escape.status).not.toBe(0);
    expect(escape.stderr).toContain('RESTORE_FILE must be a file name in');
    expect(fingerprint(APP.database)).toBe(original);
  });
});
