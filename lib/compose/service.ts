import { KstackRenderError } from '../errors';
import { names } from '../internal/names';
import { splitCpu, splitMemory } from '../internal/quantity';
import { CheckSpec, WorkloadDescription } from '../workload';
import { buildContext, literal, MappingContext } from './context';
import { ComposeHealthcheck, ComposeService } from './types';

/** Turns a check of the workload into the `test` of a Compose healthcheck; one per kind of workload. */
export type CheckCommand = (check: CheckSpec['check']) => string[];

/** A command check runs as it is (exec form); `$` is escaped so the shell, not Compose, expands it. */
export function commandCheck(check: CheckSpec['check']): string[] {
  if (check.kind !== 'command')
    throw new KstackRenderError(`compose: no HTTP client is known for this image; got an http check of ${check.path}`);
  return ['CMD', ...check.command.map(literal)];
}

/**
 * The Compose healthcheck: the liveness check with its timing, and the startup budget
 * (period x failureThreshold) as start_period. Compose has a single healthcheck, so the
 * readiness check is not mapped (listed in the file's header).
 */
export function healthcheck(w: WorkloadDescription, test: CheckCommand): ComposeHealthcheck {
  const live = w.liveness;
  return {
    test: test(live.check),
    interval: `${live.periodSeconds}s`,
    timeout: `${live.timeoutSeconds}s`,
    retries: live.failureThreshold,
    start_period: w.startup ? `${w.startup.periodSeconds * w.startup.failureThreshold}s` : undefined,
  };
}

/** The named volume of a workload's data volume. */
export function dataVolumeName(w: WorkloadDescription): string {
  return names.dataClaim(w.name);
}

/**
 * A tmpfs mirroring an emptyDir: owned by the workload's user, world-writable with the sticky
 * bit at /tmp (as in any image), private to the user elsewhere.
 */
export function tmpfsMount(path: string, user: number, group: number): string {
  return `${path}:uid=${user},gid=${group},mode=${path === '/tmp' ? '1777' : '0700'}`;
}

/** '500m' -> '0.5', '2' -> '2'. */
export function cpus(quantity: string): string {
  const q = splitCpu(quantity);
  if (!q) throw new KstackRenderError(`compose: not a CPU quantity: ${quantity}`);
  return String(q.milli ? q.amount / 1000 : q.amount);
}

/** '512Mi' -> '512m' (Docker's units are binary), '1Gi' -> '1g'. */
export function memory(quantity: string): string {
  const q = splitMemory(quantity);
  if (!q) throw new KstackRenderError(`compose: not a memory quantity: ${quantity}`);
  if (q.unit === 'Ti') return `${q.amount * 1024}g`;
  return `${q.amount}${q.unit[0].toLowerCase()}`;
}

/** Environment of a workload: config as literals, Secret keys through {@link MappingContext.secrets}; sorted by name. */
export function environment(w: WorkloadDescription, ctx: MappingContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(w.config)) env[k] = literal(v);
  for (const [k, ref] of Object.entries(w.secretEnv)) env[k] = ctx.secrets.resolve(ref, k, w.name);
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The service every kind of workload shares: image or build, entrypoint/command overrides
 * (Kubernetes command -> entrypoint, args -> command), non-root user, read-only root with
 * tmpfs scratch paths, no capabilities, environment, a named data volume, a healthcheck,
 * `depends_on` healthy for each dependency, and the limits Compose can enforce.
 */
export function baseService(w: WorkloadDescription, ctx: MappingContext, test: CheckCommand): ComposeService {
  return {
    image: w.image,
    build: w.build ? { context: buildContext(ctx, w), dockerfile: w.build.dockerfile } : undefined,
    entrypoint: w.command ? [...w.command].map(literal) : undefined,
    command: w.args ? [...w.args].map(literal) : undefined,
    user: `${w.user}:${w.group}`,
    restart: 'unless-stopped',
    read_only: w.readOnlyRootFilesystem ? true : undefined,
    tmpfs: w.scratchPaths.length > 0 ? w.scratchPaths.map((p) => tmpfsMount(p, w.user, w.group)) : undefined,
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true'],
    environment: environment(w, ctx),
    expose: w.ports.map((p) => String(p.port)),
    volumes: w.dataVolume ? [`${dataVolumeName(w)}:${w.dataVolume.path}`] : undefined,
    healthcheck: healthcheck(w, test),
    depends_on:
      w.dependsOn.length > 0
        ? Object.fromEntries([...w.dependsOn].sort().map((d) => [d, { condition: 'service_healthy' as const }]))
        : undefined,
    cpus: w.resources.cpuLimit !== undefined ? cpus(w.resources.cpuLimit) : undefined,
    mem_limit: memory(w.resources.memoryLimit),
  };
}

/** Name of the one-shot service running a workload's preStart command. */
export function preStartServiceName(w: WorkloadDescription): string {
  return names.preStartService(w.name);
}

/**
 * The preStart step (e.g. `alembic upgrade head`) as a one-shot service: the same image, env,
 * user and filesystem as the app, the command as its entrypoint (as the Kubernetes init
 * container's `command`), `restart: "no"`; the app waits for it with
 * `condition: service_completed_successfully` (docker-compose >= 1.29, docker compose v2).
 * Works whether or not the workload overrides the image's command.
 */
export function withPreStart(name: string, app: ComposeService, w: WorkloadDescription): Record<string, ComposeService> {
  if (!w.preStart) return { [name]: app };
  const migrate: ComposeService = {
    image: app.image,
    build: app.build,
    entrypoint: w.preStart.map(literal),
    user: app.user,
    restart: 'no',
    read_only: app.read_only,
    tmpfs: app.tmpfs,
    cap_drop: app.cap_drop,
    security_opt: app.security_opt,
    environment: app.environment,
    volumes: app.volumes,
    depends_on: app.depends_on,
    cpus: app.cpus,
    mem_limit: app.mem_limit,
  };
  const migrateName = preStartServiceName(w);
  return {
    [migrateName]: migrate,
    [name]: { ...app, depends_on: { ...app.depends_on, [migrateName]: { condition: 'service_completed_successfully' } } },
  };
}
