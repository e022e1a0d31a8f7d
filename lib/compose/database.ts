import { DatabaseDescription, PostgresSecretKeys } from '../postgres';
import { WorkloadDescription } from '../workload';
import { MappingContext } from './context';
import { baseService, commandCheck } from './service';
import { ComposeService } from './types';

const DESCRIPTIONS: Readonly<Record<string, (service: string) => string>> = {
  database: (s) => `Name of the database the ${s} service creates at first start`,
  user: (s) => `User the ${s} service creates at first start (owner of the database)`,
  password: () =>
    `Password of that user; clients get it inside a postgresql:// URL as is, so use URL-safe characters (letters, digits, - . _ ~)`,
  host: (s) => `Host of the ${s} database`,
  port: (s) => `Port of the ${s} database`,
  url: (s) => `Connection URL of the ${s} database`,
};
const PLACEHOLDERS: Readonly<Record<string, string>> = { database: 'app', user: 'app', password: 'change-me' };

/**
 * Registers the database's credentials as `.env` variables named after its own env
 * (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), and derives the other keys of its
 * connection Secret from them: host (the service name, as the Kubernetes Service), port, and
 * url. A client reading the url (DATABASE_URL) gets
 * `postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@db:5432/${POSTGRES_DB}`.
 */
export function registerDatabaseSecrets(w: WorkloadDescription, db: DatabaseDescription | undefined, ctx: MappingContext): void {
  const roles = db ? (Object.entries(db.secretKeys) as [keyof PostgresSecretKeys, string][]) : [];
  const roleOf = (secret: string, key: string) => (db && secret === db.secretName ? roles.find(([, k]) => k === key)?.[0] : undefined);
  const exprs: Partial<Record<string, string>> = {};
  for (const [envName, ref] of Object.entries(w.secretEnv)) {
    const role = roleOf(ref.name, ref.key);
    const description = role === undefined ? `Secret ${ref.name}, key ${ref.key} (${w.name}: ${envName})` : DESCRIPTIONS[role](w.name);
    exprs[role ?? envName] = ctx.secrets.variable(ref, envName, (role && PLACEHOLDERS[role]) ?? 'change-me', description, w.name);
  }
  if (!db) return;
  const ref = (role: keyof PostgresSecretKeys) => ({ name: db.secretName, key: db.secretKeys[role]! });
  const user = exprs.user ?? ctx.secrets.variable(ref('user'), 'POSTGRES_USER', 'app', DESCRIPTIONS.user(w.name), w.name);
  const password =
    exprs.password ?? ctx.secrets.variable(ref('password'), 'POSTGRES_PASSWORD', 'change-me', DESCRIPTIONS.password(w.name), w.name);
  const database = exprs.database ?? ctx.secrets.variable(ref('database'), 'POSTGRES_DB', 'app', DESCRIPTIONS.database(w.name), w.name);
  ctx.secrets.derive(ref('host'), w.name);
  ctx.secrets.derive(ref('port'), String(db.port));
  ctx.secrets.derive(ref('url'), `postgresql://${user}:${password}@${w.name}:${db.port}/${database}`);
}

/**
 * Database (PostgreSQL): the same image, a named volume at the data path, the pg_isready
 * check as the healthcheck, credentials from `.env`.
 */
export function databaseServices(
  w: WorkloadDescription,
  db: DatabaseDescription | undefined,
  ctx: MappingContext,
): Record<string, ComposeService> {
  registerDatabaseSecrets(w, db, ctx);
  return { [w.name]: baseService(w, ctx, commandCheck) };
}
