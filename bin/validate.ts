/**
 * Runs the kstack validation gate on a folder or file of manifests (kstack's output, Helm output,
 * hand-written YAML or JSON). kstack's own output carries its environment, external objects and
 * waivers in a header line, so `validate dist/<env>` needs no flags.
 *   npm run validate -- PATH [--env NAME] [--external KIND/NAME]... [--json]
 * Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error.
 */
import { KstackError } from '../lib/errors';
import { formatFinding, gateErrors, gateWarnings } from '../lib/validate/gate';
import { validateManifests } from '../lib/validate/manifests';
import { Finding } from '../lib/validate/types';
import { openSchemaCache } from './internal/schema-cache';

const USAGE =
  'usage: validate PATH [--env NAME] [--external KIND/NAME]... [--json]\n' +
  '  validates every *.yaml, *.yml and *.json under PATH (a folder or a file); the environment and external objects\n' +
  "  come from kstack's header in the files, else --env (default prod: image pinning, PodDisruptionBudgets) and --external";

interface Args {
  target: string;
  env?: string;
  json: boolean;
  external: string[];
}

function usage(message: string): never {
  process.stderr.write(`validate: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  let target: string | undefined;
  let env: string | undefined;
  let json = false;
  const external: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--env') env = value();
    else if (flag === '--json') json = true;
    else if (flag === '--external') external.push(...value().split(',').filter(Boolean));
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (flag.startsWith('-')) usage(`unknown argument ${JSON.stringify(arg)}`);
    else if (target === undefined) target = arg;
    else usage(`only one PATH is accepted, got ${JSON.stringify(target)} and ${JSON.stringify(arg)}`);
  }
  if (target === undefined) usage('missing PATH');
  if (env !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(env))
    usage(`--env must be an environment name such as 'dev' or 'prod', got ${JSON.stringify(env)}`);
  for (const e of external)
    if (!/^[A-Za-z0-9][-A-Za-z0-9.]*(\/[-a-z0-9.]+){0,2}$/.test(e))
      usage(`--external must be KIND/NAME, KIND/NAMESPACE/NAME or a Secret name, got ${JSON.stringify(e)}`);
  return { target, env, json, external };
}

function table(findings: readonly Finding[]): string {
  const rows = findings.map((f) => [
    f.waived ? 'waived' : f.severity,
    f.ruleId,
    f.object,
    f.waived ? f.waived.reason : `${f.message} (fix: ${f.fix})`,
  ]);
  const head = ['SEVERITY', 'RULE', 'OBJECT', 'MESSAGE'];
  const widths = [0, 1, 2].map((c) => Math.min(60, Math.max(head[c].length, ...rows.map((r) => r[c].length))));
  const line = (r: string[]) =>
    `${r
      .slice(0, 3)
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')}  ${r[3]}`;
  return [line(head), ...rows.map(line)].join('\n');
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const schemaCache = openSchemaCache();
  const { env, envFrom, loaded, findings } = validateManifests(args.target, { env: args.env, external: args.external, schemaCache });
  schemaCache?.save();
  const errors = gateErrors(findings).length;
  const warnings = gateWarnings(findings).length;
  const { files, objects, skipped } = loaded;
  if (args.json) {
    const report = { env, envFrom, path: args.target, files: files.length, objects: objects.length, skipped, errors, warnings, findings };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    if (findings.length > 0) process.stdout.write(`${table(findings)}\n`);
    for (const f of findings) if (f.waived) process.stdout.write(`${formatFinding(f)}\n`);
    if (skipped.length > 0)
      process.stdout.write(
        `skipped ${skipped.length} document(s) without apiVersion or kind (not Kubernetes manifests): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}\n`,
      );
    process.stdout.write(
      `${errors} error(s), ${warnings} warning(s) in ${objects.length} object(s) from ${files.length} file(s) under ${args.target} [env ${env}${envFrom === 'header' ? ', from the kstack header' : ''}]\n`,
    );
  }
  process.exit(errors > 0 ? 1 : 0);
}

try {
  main();
} catch (err) {
  // A target that cannot be read (KstackIoError) is an I/O error: exit 2, one line.
  if (err instanceof KstackError) {
    process.stderr.write(`validate: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
