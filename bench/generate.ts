/**
 * Generated stacks for the benchmark: N units, each a Postgres + FastApiBackend (wired to the
 * database) + NextFrontend (wired to the backend) + NginxIngress routes, in one chart, built
 * and synthesized the way stacks/synth.ts does it for the reference environments.
 *
 * Run as a child process (one per N, so peak RSS is per N):
 *   node bin/run.js bench/generate.ts <units>
 * prints one line of JSON: { units, objects, bytes, constructMs, synthMs, yamlMs, validateMs, wallMs, maxRssMB }.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import {
  AppNamespace,
  FastApiBackend,
  formatFinding,
  gateErrors,
  gateManifests,
  K8sObject,
  NextFrontend,
  NginxIngress,
  Postgres,
  resolveCharts,
  writeManifestFile,
} from '../lib';

const NAMESPACE = 'platform';

/** One unit: 26 objects (StatefulSet, Services, Deployments, ConfigMaps, Ingresses, NetworkPolicies...). */
export function addUnit(chart: Chart, i: number): void {
  // Credentials from a Secret created out of band (db-<i>-credentials), as outside dev.
  const database = new Postgres(chart, `db-${i}`, { storageSize: '1Gi' });
  const backend = new FastApiBackend(chart, `api-${i}`, {
    image: `registry.example.com/platform/api-${i}:1.0.${i}`,
    replicas: 2,
    env: { LOG_LEVEL: 'info', UNIT: String(i) },
    database,
    migrationCommand: ['alembic', 'upgrade', 'head'],
  });
  const frontend = new NextFrontend(chart, `web-${i}`, {
    image: `registry.example.com/platform/web-${i}:1.0.${i}`,
    autoscaling: { minReplicas: 2, maxReplicas: 6 },
    env: { NEXT_PUBLIC_API_PATH: '/api' },
    api: backend,
  });
  new NginxIngress(chart, `ingress-${i}`, {
    host: `unit-${i}.platform.example.com`,
    tls: { clusterIssuer: 'letsencrypt-prod' },
    routes: [
      { path: '/', backend: frontend },
      { path: '/api', backend, stripPrefix: true },
    ],
  });
}

/** An app with one chart holding a namespace and `units` units. */
export function buildGeneratedStack(units: number): { app: App; chart: Chart } {
  const app = new App();
  const chart = new Chart(app, 'platform', {
    namespace: NAMESPACE,
    labels: {
      'app.kubernetes.io/part-of': 'platform',
      'app.kubernetes.io/instance': 'platform-bench',
      'app.kubernetes.io/version': '1.0.0',
      'app.kubernetes.io/managed-by': 'kstack',
    },
  });
  new AppNamespace(chart, 'namespace', { name: NAMESPACE });
  for (let i = 0; i < units; i++) addUnit(chart, i);
  return { app, chart };
}

export interface GeneratedRun {
  readonly units: number;
  readonly objects: number;
  readonly bytes: number;
  readonly constructMs: number;
  readonly synthMs: number;
  readonly validateMs: number;
  /** YAML written to a file, as writeManifests writes it (writeManifestFile). */
  readonly yamlMs: number;
  /** construct + synth + validate + YAML, in process (excludes node startup and module loading). */
  readonly wallMs: number;
  /** Whole child process up to the end of the run, including node startup and module loading. */
  readonly processMs: number;
  /** CPU time (user + system) of the child up to the end of the run, for comparing loaded machines. */
  readonly cpuMs: number;
  readonly maxRssMB: number;
}

/**
 * Construct, resolve and gate with the library's own steps (lib/synth.ts, what writeManifests
 * runs), without a schema-result cache: every object is schema-checked, as on a fresh checkout.
 * The construct tree is not returned, so it can be collected before YAML.
 */
function synthesizeGenerated(units: number): { objects: K8sObject[]; t0: number; t1: number; t2: number; t3: number } {
  const t0 = performance.now();
  const { app } = buildGeneratedStack(units);
  const t1 = performance.now();
  const manifests = resolveCharts(app);
  const t2 = performance.now();
  const findings = gateManifests(manifests, { env: 'prod' });
  const t3 = performance.now();
  // A synth stops on gate errors: the benchmark measures stacks that pass.
  const errors = gateErrors(findings);
  if (errors.length > 0)
    throw new Error(
      `bench: the generated stack fails the gate with ${errors.length} error(s), e.g.\n${errors.slice(0, 3).map(formatFinding).join('\n')}`,
    );
  return { objects: manifests.flatMap((m) => m.objects), t0, t1, t2, t3 };
}

export function runGenerated(units: number): GeneratedRun {
  const { objects, t0, t1, t2, t3 } = synthesizeGenerated(units);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-generated-'));
  const file = path.join(dir, 'platform.k8s.yaml');
  // No fsync: the YAML phase times making and writing the text, as in the rounds before atomic output.
  writeManifestFile(file, objects, { durable: false });
  const t4 = performance.now();
  const bytes = fs.statSync(file).size;
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    units,
    objects: objects.length,
    bytes,
    constructMs: t1 - t0,
    synthMs: t2 - t1,
    validateMs: t3 - t2,
    yamlMs: t4 - t3,
    wallMs: t4 - t0,
    processMs: process.uptime() * 1000,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    // maxRSS is in kilobytes.
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

// bin/run.js sets argv[1] to the entry it runs.
if (process.argv[1] === __filename) {
  const units = Number(process.argv[2] ?? '10');
  if (!Number.isInteger(units) || units < 1) {
    process.stderr.write('usage: node bin/run.js bench/generate.ts <units>\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(runGenerated(units))}\n`);
}
