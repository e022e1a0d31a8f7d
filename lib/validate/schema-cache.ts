import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Digests of objects that passed their OpenAPI schema, kept in node_modules/.cache/kstack-gate/.
 * Loading the schema modules of the pod-bearing kinds costs a few hundred milliseconds (hundreds of
 * generated files); a synth whose objects were all checked before skips that cost. The digest covers
 * the object's JSON and the versions of kubernetes-models and @kubernetes-models/argo-cd, so any
 * change to either re-validates. Set KSTACK_GATE_CACHE=0 to disable.
 */
let passed: Set<string> | undefined | null;
let added: string[] = [];
let salt = '';
let file = '';

function load(): Set<string> | null {
  if (passed !== undefined) return passed;
  passed = null;
  if (process.env.KSTACK_GATE_CACHE === '0') return passed;
  try {
    const pkg = require.resolve('kubernetes-models/package.json');
    const nodeModules = path.dirname(path.dirname(pkg));
    const versions = [pkg, require.resolve('@kubernetes-models/argo-cd/package.json')]
      .map((p) => (JSON.parse(fs.readFileSync(p, 'utf8')) as { version: string }).version);
    salt = `v1:${versions.join(':')}\0`;
    file = path.join(nodeModules, '.cache', 'kstack-gate', 'schema-passed.txt');
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // no cache yet
    }
    passed = new Set(text.split('\n').filter(Boolean));
  } catch {
    passed = null;
  }
  return passed;
}

/** The digest of an object, or undefined when caching is off. */
export function schemaDigest(raw: unknown): string | undefined {
  if (load() === null) return undefined;
  return crypto.createHash('sha1').update(salt).update(JSON.stringify(raw)).digest('base64');
}

export function hasPassed(digest: string | undefined): boolean {
  return digest !== undefined && passed instanceof Set && passed.has(digest);
}

export function recordPassed(digest: string | undefined): void {
  if (digest === undefined || !(passed instanceof Set) || passed.has(digest)) return;
  passed.add(digest);
  added.push(digest);
}

/** Appends new digests to the cache file (atomically replaced); errors are ignored: the cache is an optimisation. */
export function flushSchemaCache(): void {
  if (added.length === 0 || !(passed instanceof Set)) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Keep the file bounded: start over past 100k digests.
    const all = passed.size > 100_000 ? added : [...passed];
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${all.join('\n')}\n`);
    fs.renameSync(tmp, file);
  } catch {
    // read-only node_modules: validate every time
  }
  added = [];
}
