/**
 * Runs the kstack validation gate on any directory of manifests (hand-written, Helm-rendered...).
 *   npm run validate -- DIR [--env NAME] [--external KIND/NAME]... [--json]
 * Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { formatFinding, gateErrors, gateWarnings, validateObjects } from '../lib/validate/gate';
import { Finding, objectKey } from '../lib/validate/types';
import { openSchemaCache } from './internal/schema-cache';

const USAGE =
  'usage: validate DIR [--env NAME] [--external KIND/NAME]... [--json]\n' +
  '  validates every *.yaml/*.yml under DIR; --env dev relaxes image pinning and literal Secrets, --env prod (default) adds PodDisruptionBudgets';

interface Args {
  dir: string;
  env: string;
  json: boolean;
  external: string[];
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  let dir: string | undefined;
  let env = 'prod';
  let json = false;
  const external: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? fail(`validate: ${flag} needs a value\n${USAGE}`);
    if (flag === '--env') env = value();
    else if (flag === '--json') json = true;
    else if (flag === '--external') external.push(...value().split(',').filter(Boolean));
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (flag.startsWith('-')) fail(`validate: unknown argument '${arg}'\n${USAGE}`);
    else if (dir === undefined) dir = arg;
    else fail(`validate: only one DIR is accepted, got '${dir}' and '${arg}'\n${USAGE}`);
  }
  if (dir === undefined) fail(`validate: missing DIR\n${USAGE}`);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(env))
    fail(`validate: --env must be an environment name such as 'dev' or 'prod', got '${env}'`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    fail(`validate: no such directory '${dir}'`);
  }
  if (!stat.isDirectory()) fail(`validate: '${dir}' is not a directory`);
  return { dir, env, json, external };
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(p);
      } else if (/\.ya?ml$/.test(entry.name)) {
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

interface Loaded {
  objects: unknown[];
  sources: Map<string, string>;
  parseFindings: Finding[];
  skipped: string[];
}

function load(files: readonly string[], root: string, env: string): Loaded {
  const objects: unknown[] = [];
  const sources = new Map<string, string>();
  const parseFindings: Finding[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const rel = path.relative(root, file) || path.basename(file);
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, i) => {
      if (doc.errors.length > 0) {
        parseFindings.push({
          ruleId: 'schema/object',
          severity: 'error',
          env,
          object: `${rel}#${i + 1}`,
          path: rel,
          message: `YAML does not parse: ${doc.errors[0].message.split('\n')[0]}`,
          fix: 'correct the YAML syntax',
        });
        return;
      }
      const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
      if (value === null || value === undefined) return; // empty document
      // Not a Kubernetes manifest (a Compose file, Helm values...): neither apiVersion nor kind.
      if (typeof value !== 'object' || (!('apiVersion' in value) && !('kind' in value))) {
        skipped.push(`${rel}#${i + 1}`);
        return;
      }
      const doc0 = value as { kind?: unknown; items?: unknown };
      const items: unknown[] = doc0.kind === 'List' && Array.isArray(doc0.items) ? doc0.items : [value];
      for (const item of items) {
        objects.push(item);
        const m = (item as { metadata?: { name?: unknown; namespace?: unknown } })?.metadata;
        const kind = (item as { kind?: unknown })?.kind;
        if (typeof kind === 'string' && typeof m?.name === 'string') {
          const key = objectKey(kind, typeof m.namespace === 'string' ? m.namespace : undefined, m.name);
          if (!sources.has(key)) sources.set(key, `${rel}#${i + 1}`);
        }
      }
    });
  }
  return { objects, sources, parseFindings, skipped };
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
  const files = yamlFiles(args.dir);
  const { objects, sources, parseFindings, skipped } = load(files, args.dir, args.env);
  const schemaCache = openSchemaCache();
  const findings = [
    ...parseFindings,
    ...validateObjects(objects, { env: args.env, constructPaths: sources, external: args.external, schemaCache }),
  ];
  schemaCache?.save();
  const errors = gateErrors(findings).length;
  const warnings = gateWarnings(findings).length;
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ env: args.env, dir: args.dir, files: files.length, objects: objects.length, skipped, errors, warnings, findings }, null, 2)}\n`,
    );
  } else {
    if (findings.length > 0) process.stdout.write(`${table(findings)}\n`);
    for (const f of findings) if (f.waived) process.stdout.write(`${formatFinding(f)}\n`);
    if (skipped.length > 0)
      process.stdout.write(
        `skipped ${skipped.length} document(s) without apiVersion or kind (not Kubernetes manifests): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}\n`,
      );
    process.stdout.write(
      `${errors} error(s), ${warnings} warning(s) in ${objects.length} object(s) from ${files.length} file(s) under ${args.dir} [env ${args.env}]\n`,
    );
  }
  process.exit(errors > 0 ? 1 : 0);
}

main();
