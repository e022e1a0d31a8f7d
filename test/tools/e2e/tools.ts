/**
 * The system tools the end-to-end test needs, located up front. A missing tool fails the test
 * with the Debian package that provides it (CI installs them); nothing is skipped.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Debian's python: the apt packages below belong to it, not to any other python3 on the PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Python module -> Debian package. */
const PYTHON_MODULES: Readonly<Record<string, string>> = {
  fastapi: 'python3-fastapi',
  uvicorn: 'python3-uvicorn',
  sqlalchemy: 'python3-sqlalchemy',
  psycopg2: 'python3-psycopg2',
  alembic: 'python3-alembic',
};

export interface Tools {
  readonly nginx: string;
  readonly python: string;
  /** Directory with initdb, postgres, pg_isready and psql. */
  readonly pgBin: string;
  /** setpriv, to drop root for initdb and postgres (undefined when not root). */
  readonly setpriv?: string;
  /** uid/gid PostgreSQL runs as when the suite runs as root. */
  readonly pgUser?: { uid: number; gid: number; name: string };
}

function which(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs].filter(Boolean);
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function userIds(name: string): { uid: number; gid: number; name: string } | undefined {
  const r = spawnSync('id', [name], { encoding: 'utf8' });
  const m = /uid=(\d+)\([^)]*\) gid=(\d+)/.exec(r.stdout ?? '');
  return m ? { uid: Number(m[1]), gid: Number(m[2]), name } : undefined;
}

/** PostgreSQL's bin directory: $KSTACK_E2E_PG_BIN, else the newest /usr/lib/postgresql/<n>/bin, else initdb's directory on the PATH. */
function findPgBin(): string | undefined {
  const has = (dir: string) => ['initdb', 'postgres', 'pg_isready', 'psql'].every((t) => fs.existsSync(path.join(dir, t)));
  const fromEnv = process.env.KSTACK_E2E_PG_BIN;
  if (fromEnv) return has(fromEnv) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) if (has(path.join(root, v, 'bin'))) return path.join(root, v, 'bin');
  const initdb = which('initdb');
  if (initdb) {
    const dir = path.dirname(fs.realpathSync(initdb));
    if (has(dir)) return dir;
  }
  return undefined;
}

/** The PostgreSQL server tools, and how to run them when the suite is root. */
export type PgTools = Pick<Tools, 'pgBin' | 'setpriv' | 'pgUser'>;

/** Locates PostgreSQL's binaries (and setpriv plus a user when root); pushes what is missing. */
function findPgTools(missing: string[]): PgTools {
  const pgBin = findPgBin();
  if (!pgBin) missing.push('PostgreSQL server binaries initdb, postgres, pg_isready, psql (apt-get install -y postgresql-15)');
  let setpriv: string | undefined;
  let pgUser: Tools['pgUser'];
  if (process.getuid?.() === 0) {
    setpriv = which('setpriv', ['/usr/bin', '/bin']);
    if (!setpriv) missing.push('setpriv, to run PostgreSQL as a non-root user (apt-get install -y util-linux)');
    pgUser = userIds('postgres') ?? userIds('nobody');
    if (!pgUser) missing.push("a 'postgres' or 'nobody' user to run PostgreSQL as (initdb refuses root)");
  }
  return { pgBin: pgBin!, setpriv, pgUser };
}

function throwMissing(what: string, missing: readonly string[]): void {
  if (missing.length > 0) {
    throw new Error(`${what} needs tools that are not installed (CI installs them):\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  }
}

/** PostgreSQL alone (initdb, postgres, pg_isready, psql; setpriv and a user when root); throws naming what is missing. */
export function requirePgTools(what: string): PgTools {
  const missing: string[] = [];
  const pg = findPgTools(missing);
  throwMissing(what, missing);
  return pg;
}

/** Locates every tool; throws one error naming every missing package. */
export function requireTools(): Tools {
  const missing: string[] = [];
  const nginx = which('nginx', ['/usr/sbin', '/sbin']);
  if (!nginx) missing.push('nginx (apt-get install -y nginx)');

  if (!fs.existsSync(SYSTEM_PYTHON)) {
    missing.push(`${SYSTEM_PYTHON} (apt-get install -y python3 ${Object.values(PYTHON_MODULES).join(' ')})`);
  } else {
    const probe = Object.keys(PYTHON_MODULES)
      .map((m) => `\ntry:\n    import ${m}\nexcept Exception:\n    print('${m}')`)
      .join('');
    const r = spawnSync(SYSTEM_PYTHON, ['-c', probe], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    const absent = (r.stdout ?? '').split('\n').filter((m) => m in PYTHON_MODULES);
    if (r.status !== 0) missing.push(`${SYSTEM_PYTHON} does not run: ${r.stderr}`);
    for (const m of absent) missing.push(`python module ${m} for ${SYSTEM_PYTHON} (apt-get install -y ${PYTHON_MODULES[m]})`);
  }

  const pg = findPgTools(missing);
  throwMissing('the end-to-end test', missing);
  return { nginx: nginx!, python: SYSTEM_PYTHON, ...pg };
}
