import * as fs from 'fs';
import * as path from 'path';
import type { SchemaResultCache } from '../../lib/validate';

/**
 * The validation gate's schema-result cache for the command-line tools, in
 * node_modules/.cache/kstack-gate/: digests of objects that passed their OpenAPI schema.
 * Loading the schema modules of the pod-bearing kinds costs ~100 ms (a few hundred generated
 * files to compile), so a synth whose objects were all checked before skips it. The file name
 * carries the versions of kubernetes-models and the @kubernetes-models CRD packages, so upgrading one
 * re-validates everything. KSTACK_GATE_CACHE=0 turns it off. Lives in bin/ because lib/ never
 * touches the file system or the environment.
 */
export interface FileSchemaCache extends SchemaResultCache {
  /** Writes new digests (atomic replace); errors are ignored: the cache is an optimisation. */
  save(): void;
}

const MAX_ENTRIES = 100_000;

/** The file-backed cache, or undefined when KSTACK_GATE_CACHE=0 or the models cannot be located. */
export function openSchemaCache(env: NodeJS.ProcessEnv = process.env): FileSchemaCache | undefined {
  if (env.KSTACK_GATE_CACHE === '0') return undefined;
  let file: string;
  try {
    const pkg = require.resolve('kubernetes-models/package.json');
    const versions = [
      pkg,
      require.resolve('@kubernetes-models/argo-cd/package.json'),
      require.resolve('@kubernetes-models/cert-manager/package.json'),
      require.resolve('@kubernetes-models/gateway-api/package.json'),
    ].map((p) => (JSON.parse(fs.readFileSync(p, 'utf8')) as { version: string }).version);
    file = path.join(path.dirname(path.dirname(pkg)), '.cache', 'kstack-gate', `schema-passed-v2-${versions.join('-')}.txt`);
  } catch {
    return undefined;
  }
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // no cache yet
  }
  const passed = new Set(text.split('\n').filter(Boolean));
  let added: string[] = [];
  return {
    has: (digest) => passed.has(digest),
    add: (digest) => {
      if (passed.has(digest)) return;
      passed.add(digest);
      added.push(digest);
    },
    save: () => {
      if (added.length === 0) return;
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        // Keep the file bounded: start over (with this run's digests) past MAX_ENTRIES.
        const all = passed.size > MAX_ENTRIES ? added : [...passed];
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, `${all.join('\n')}\n`);
        fs.renameSync(tmp, file);
      } catch {
        // read-only node_modules: validate every time
      }
      added = [];
    },
  };
}
