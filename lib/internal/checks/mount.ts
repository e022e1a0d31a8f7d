import { Problem } from './require';

/**
 * Where a kstack data or cache volume is mounted: an absolute path below '/', without '.' or '..'
 * segments or ':' (a volume at '/' hides the image's whole file system; Docker refuses it with
 * "destination can't be '/'"; ':' is the volume separator of Compose's short syntax).
 */
export function mountPathProblem(path: unknown): Problem {
  if (typeof path !== 'string' || !path.startsWith('/')) return "must be an absolute path such as '/data'";
  if (path.replace(/\/+$/, '') === '') return "must not be '/' (the volume would hide the image's file system)";
  if (path.split('/').some((s) => s === '.' || s === '..')) return "must not contain '.' or '..' segments";
  if (path.includes(':')) return "must not contain ':'";
  return undefined;
}

/**
 * An env var that sets the port the server listens on (PORT) must match the port the
 * containerPort, probes and Service use; otherwise the server listens where nothing connects.
 */
export function portEnvProblem(env: Readonly<Record<string, unknown>> | undefined, port: number, name = 'PORT'): Problem {
  const value = env?.[name];
  if (value === undefined || String(value) === String(port)) return undefined;
  return `must not set ${name} to another port than the container's (${port}): probes and the Service use ${port}; set the 'port' prop instead`;
}
