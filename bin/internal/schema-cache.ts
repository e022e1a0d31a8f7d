import * as fs from 'fs';
import * as path from 'path';
import type { SchemaResultCache } from '../../lib/validate';
import { cacheRoot, ensureCacheFolder, readEntry, writeEntry } from '../cache';

/**
 * The validation gate's schema-result cache for the command-line tools, in
 * <cache root>/kstack-gate/ (bin/cache.js): digests of objects that passed their OpenAPI schema.
 * Loading the schema modules of the pod-bearing kinds costs ~100 ms (a few hundred generated
 * files to compile), so a synth whose objects were all checked before skips it. The file name
 * carries the versions of kubernetes-models and the @kubernetes-models CRD packages, so upgrading
 * one re-validates everything. The file carries the digest of its content, checked when read: a bad
 * one is discarded (one line on stderr) and every object is checked again. KSTACK_GATE_CACHE=0
 * turns it off. Lives in bin/ because lib/ never touches the file system or the environment.
 */
export interface FileSchemaCache extends SchemaResultCache {
  /** Writes new digests (atomic replace); a cache that cannot be written is skipped: it is an optimisation. */
  save(): void;
}

const MAX_ENTRIES = 100_000;
const LABEL = 'schema-result';

/** The file-backed cache, or undefined when KSTACK_GATE_CACHE=0 or the models cannot be located. */
export function openSchemaCache(env: NodeJS.ProcessEnv = process.env): FileSchemaCache | undefined {
  if (env.KSTACK_GATE_CACHE === '0') return undefined;
  let file: string;
  try {
    const versions = [
      'kubernetes-models/package.json',
      '@kubernetes-models/argo-cd/package.json',
      '@kubernetes-models/cert-manager/package.json',
      '@kubernetes-models/gateway-api/package.json',
    ].map((p) => (JSON.parse(fs.readFileSync(require.resolve(p), 'utf8')) as { version: string }).version);
    file = path.join(cacheRoot(env), 'kstack-gate', `schema-passed-v3-${versions.join('-')}.txt`);
  } catch {
    return undefined;
  }
  const passed = new Set((readEntry(file, LABEL)?.toString('utf8') ?? '').split('\n').filter(Boolean));
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
      // Keep the file bounded: start over (with this run's digests) past MAX_ENTRIES.
      const all = passed.size > MAX_ENTRIES ? added : [...passed];
      if (ensureCacheFolder(path.dirname(file), LABEL)) writeEntry(file, `${all.join('\n')}\n`);
      added = [];
    },
  };
}
