import * as fs from 'fs';
import * as path from 'path';
import { Finding, formatFinding, gateErrors, KstackPropError, writeManifestFile } from '../lib';
import { environments } from '../stacks/environments';
import { synthesizeCompose, synthesizeEnv } from '../stacks/synth';
import { openSchemaCache } from './internal/schema-cache';

const USAGE =
  'usage: synth [--env dev|staging|prod]... [--target k8s|compose]... [--out DIR]\n' +
  '  no --target: Kubernetes YAML for each env, plus the Compose project (DIR/<env>/compose/) for dev';
const TARGETS = ['k8s', 'compose'] as const;
type Target = (typeof TARGETS)[number];
/** Repository root: workloads' build contexts are relative to it. */
const REPO_ROOT = path.resolve(__dirname, '..');

interface Args {
  envs: string[];
  out: string;
  targets?: Target[];
}

function parseArgs(argv: readonly string[]): Args {
  const envs: string[] = [];
  let targets: Target[] | undefined;
  let out = process.env.CDK8S_OUTDIR ?? 'dist'; // set by `cdk8s synth` from cdk8s.yaml's output
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? fail(`synth: ${flag} needs a value\n${USAGE}`);
    if (flag === '--env') envs.push(...value().split(',').filter(Boolean));
    else if (flag === '--out') out = value();
    else if (flag === '--target') {
      for (const t of value().split(',').filter(Boolean)) {
        if (!(TARGETS as readonly string[]).includes(t)) fail(`synth: unknown target '${t}'; known: ${TARGETS.join(', ')}`);
        targets = [...(targets ?? []), t as Target];
      }
    } else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`synth: unknown argument '${arg}'\n${USAGE}`);
  }
  for (const env of envs) {
    if (!(env in environments)) fail(`synth: unknown environment '${env}'; known: ${Object.keys(environments).join(', ')}`);
  }
  return { envs: envs.length > 0 ? envs : Object.keys(environments), out, targets };
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  // Every environment is built and gated before any file is written.
  const schemaCache = openSchemaCache();
  const results = args.envs.map((name) => synthesizeEnv(environments[name], { schemaCache }));
  schemaCache?.save();
  if (!reportGate(results.flatMap((r) => r.findings))) process.exit(1);
  for (const [i, name] of args.envs.entries()) {
    const result = results[i];
    const dir = path.join(args.out, name);
    // Only kstack's own files are replaced, so stale objects never linger and nothing else is touched.
    const k8s = args.targets ? args.targets.includes('k8s') : true;
    const compose = args.targets ? args.targets.includes('compose') : name === 'dev';
    if (k8s) {
      for (const stale of ['app.k8s.yaml', 'argocd/application.k8s.yaml']) fs.rmSync(path.join(dir, stale), { force: true });
      for (const file of result.files) {
        const target = path.join(dir, file.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        writeManifestFile(target, file.objects);
      }
      const count = result.files.reduce((n, f) => n + f.objects.length, 0);
      process.stdout.write(`${name}: ${count} objects -> ${dir}\n`);
    }
    if (compose) writeCompose(result, path.join(dir, 'compose'));
  }
}

/** Prints waivers (stdout), warnings and errors (stderr); false when errors fail the gate. */
function reportGate(findings: readonly Finding[]): boolean {
  for (const f of findings) {
    if (f.waived) process.stdout.write(`${formatFinding(f)}\n`);
    else process.stderr.write(`${formatFinding(f)}\n`);
  }
  const errors = gateErrors(findings).length;
  if (errors > 0) process.stderr.write(`synth: validation gate failed with ${errors} error(s); nothing was written\n`);
  return errors === 0;
}

/** Writes the Compose project of one environment; only kstack's files in the folder are replaced. */
function writeCompose(result: ReturnType<typeof synthesizeEnv>, dir: string): void {
  const contextRoot = path.relative(path.resolve(dir), REPO_ROOT).split(path.sep).join('/') || '.';
  const project = synthesizeCompose(result, { contextRoot });
  for (const stale of ['docker-compose.yml', 'nginx/nginx.conf', '.env.example']) fs.rmSync(path.join(dir, stale), { force: true });
  for (const [file, content] of Object.entries(project.files)) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  process.stdout.write(`${result.env.name}: ${Object.keys(project.compose.services).length} compose services -> ${dir}\n`);
}

try {
  main();
} catch (err) {
  if (err instanceof KstackPropError) fail(`synth: ${err.message}`);
  throw err;
}
