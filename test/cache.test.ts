import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sameTree, snapshot } from './output-helpers';

// Issue #15: caches verify what they serve. Each cache of the command line (the swc transpile
// cache, the dependency bundle and its manifest, the lazy schema bundle, the gate's schema-result cache) is
// corrupted in each way (truncated, empty, garbled, a folder where its file belongs, a file where
// its folder belongs); then the synth (`node bin/kstack.js synth --out <tmp>`) writes the same
// files as with a sound cache and prints one notice line, and the run after it prints none.
const ROOT = path.join(__dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-cache-'));
const pristine = path.join(work, 'pristine');
// At the same depth as each case's output: the Compose files name the repository relative to it.
const reference = path.join(work, 'reference', 'out');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Runs the synth with its caches in `cacheDir` (a child process, so cases run side by side). */
function synth(cacheDir: string, out: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['bin/kstack.js', 'synth', '--out', out], {
    cwd: ROOT,
    env: { ...process.env, KSTACK_CACHE_DIR: cacheDir, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise<{ status: number | null; stderr: string; notices: string[] }>((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, notices: stderr.split('\n').filter((l) => l.startsWith('kstack: ')) });
    }),
  );
}

beforeAll(async () => {
  // GIVEN a warm cache (every cache written, the schema bundle included) and the output it gives
  expect((await synth(pristine, reference)).status).toBe(0);
  expect((await synth(pristine, reference)).notices).toEqual([]);
}, 120_000);

interface CacheUnderTest {
  readonly folder: string;
  /** The entry the synth reads, in a copy of the warm cache. */
  entry(cacheDir: string): string;
  readonly env?: Record<string, string>;
}

/** The transpile cache entry of lib/synth.ts, found by a line only it has. */
function synthSource(cacheDir: string): string {
  const folder = path.join(cacheDir, 'kstack-swc');
  const hits = fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(folder, f), 'utf8').includes('for writeManifests (use app.synth()'));
  expect(hits).toHaveLength(1);
  return path.join(folder, hits[0]);
}

function only(folder: string, pattern: RegExp): string {
  const found = fs.readdirSync(folder).filter((f) => pattern.test(f));
  expect(found).toHaveLength(1);
  return path.join(folder, found[0]);
}

const CACHES: Record<string, CacheUnderTest> = {
  // The entry of lib/synth.ts, found by a line only it has.
  'transpile cache': { folder: 'kstack-swc', entry: (c) => synthSource(c) },
  // V8's compiled code of that source (bin/register.js), beside it.
  'compiled-code cache of a source': {
    folder: 'kstack-swc',
    entry: (c) => `${synthSource(c).replace(/\.js$/, '')}-${process.version}.v8cache`,
  },
  'dependency bundle': { folder: 'kstack-vendor', entry: (c) => only(path.join(c, 'kstack-vendor'), /^vendor-.*\.js$/) },
  // What the bundle was built from (its freshness stamps).
  'dependency bundle manifest': { folder: 'kstack-vendor', entry: (c) => only(path.join(c, 'kstack-vendor'), /^vendor-.*\.json$/) },
  // V8's compiled code of the dependency bundle.
  'compiled-code cache': { folder: 'kstack-vendor', entry: (c) => only(path.join(c, 'kstack-vendor'), /^vendor-.*\.v8cache$/) },
  // Without the gate cache, so the schema models are loaded from it.
  'schema bundle': {
    folder: 'kstack-vendor',
    entry: (c) => only(path.join(c, 'kstack-vendor'), /^lazy-.*\.js$/),
    env: { KSTACK_GATE_CACHE: '0' },
  },
  'gate cache': { folder: 'kstack-gate', entry: (c) => only(path.join(c, 'kstack-gate'), /^schema-passed-.*\.txt$/) },
};

const FOLDER_CASE = 'a file where the cache folder belongs';
const CORRUPTIONS: Record<string, (entry: string, folder: string) => void> = {
  truncated: (entry) => fs.truncateSync(entry, Math.floor(fs.statSync(entry).size / 2)),
  empty: (entry) => fs.truncateSync(entry, 0),
  // Same size, bytes in the middle changed: only the digest can tell.
  garbled: (entry) => {
    const bytes = fs.readFileSync(entry);
    bytes.fill(0x41, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 16);
    fs.writeFileSync(entry, bytes);
  },
  'a folder where the entry belongs': (entry) => {
    fs.rmSync(entry);
    fs.mkdirSync(entry);
    fs.writeFileSync(path.join(entry, 'x'), 'x');
  },
  [FOLDER_CASE]: (_entry, folder) => {
    fs.rmSync(folder, { recursive: true });
    fs.writeFileSync(folder, 'not a folder');
  },
};

// The bundles, their manifests and compiled code share a folder (and a source's compiled code its transpile cache's): it is replaced by a file once.
const matrix = Object.keys(CACHES).flatMap((cache) =>
  Object.keys(CORRUPTIONS)
    .filter(
      (how) =>
        how !== FOLDER_CASE ||
        !['dependency bundle manifest', 'compiled-code cache', 'schema bundle', 'compiled-code cache of a source'].includes(cache),
    )
    .map((how) => [cache, how] as const),
);

describe('a corrupt cache', () => {
  test.concurrent.each(matrix)(
    'GIVEN the %s %s THEN the synth writes the same files, with one notice, and heals the cache',
    async (cache, how) => {
      const spec = CACHES[cache];
      const cacheDir = path.join(work, `${cache}-${how}`.replace(/\W+/g, '-'));
      fs.cpSync(pristine, cacheDir, { recursive: true });
      CORRUPTIONS[how](spec.entry(cacheDir), path.join(cacheDir, spec.folder));
      // WHEN the synth runs
      const out = path.join(cacheDir, 'out');
      const first = await synth(cacheDir, out, spec.env);
      // THEN it succeeds, writes what a sound cache gives, and says once what it discarded
      expect(first.stderr.replace(/^(kstack: |warning ).*\n/gm, '')).toBe(''); // notices, and the gate's warnings (retired ingress-nginx)
      expect(first.status).toBe(0);
      expect(sameTree(snapshot(out), snapshot(reference))).toBe(true);
      expect(first.notices).toHaveLength(1);
      expect(first.notices[0]).toMatch(
        how === FOLDER_CASE
          ? /^kstack: removed .*, a file where the .* cache folder belongs; it is rebuilt$/
          : /^kstack: discarded a bad .* cache entry \(.*\): .*; it is rebuilt$/,
      );
      // AND the next run finds a sound cache
      expect(await synth(cacheDir, out, spec.env)).toMatchObject({ status: 0, notices: [] });
    },
    // Cases run side by side: on a loaded 2-core machine a case may wait for the others.
    180_000,
  );
});
