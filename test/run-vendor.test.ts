import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// bin/run.js loads the runtime dependencies from one cached esbuild bundle (bin/vendor.js) and
// kstack's sources file by file. These tests build vendor bundles of a scratch package (with the
// real esbuild) and run real entries both ways.
const ROOT = path.join(__dirname, '..');

/** Writes a file with an mtime in the past, so a build started now counts it as settled. */
function write(file: string, contents: string, secondsAgo = 60): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, contents);
  const past = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, past, past);
}

function node(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

describe('bin/vendor.js', () => {
  let root: string;
  const pkgDir = () => path.join(root, 'node_modules', 'fakepkg');
  const cacheDir = () => path.join(root, 'cache');
  /** Loads the vendor bundle of `root` in a fresh process; prints what the package exports. */
  const load = () => {
    const script = `require(${JSON.stringify(path.join(ROOT, 'bin/vendor.js'))}).loadVendor({ root: ${JSON.stringify(root)}, lazyNames: [], cacheDir: ${JSON.stringify(cacheDir())} })
      .then((v) => console.log(JSON.stringify({ names: Object.keys(v.modules), ...v.modules.fakepkg })))`;
    const r = node(['-e', script]);
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };
  const bundleMtime = () => {
    const js = fs.readdirSync(cacheDir()).filter((f) => f.startsWith('vendor-') && f.endsWith('.js'));
    expect(js).toHaveLength(1);
    return fs.statSync(path.join(cacheDir(), js[0])).mtimeMs;
  };

  beforeEach(() => {
    // GIVEN a package whose runtime dependencies are fakepkg and a lazily loaded one
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-vendor-'));
    write(path.join(root, 'package.json'), JSON.stringify({ name: 'x', dependencies: { fakepkg: '1.0.0', 'kubernetes-models': '4.5.1' } }));
    write(path.join(root, 'node_modules', '.package-lock.json'), '{}');
    write(path.join(pkgDir(), 'package.json'), JSON.stringify({ name: 'fakepkg', main: 'lib/index.js' }));
    write(
      path.join(pkgDir(), 'lib', 'index.js'),
      "exports.word = 'first';\nexports.dir = __dirname;\nexports.file = __filename;\nexports.inner = require('./inner').inner;\n",
    );
    write(path.join(pkgDir(), 'lib', 'inner.js'), "exports.inner = 'inner';\n");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('bundles the runtime dependencies, except the lazily loaded ones, keeping each file its own __dirname', () => {
    expect(load()).toEqual({
      names: ['fakepkg'],
      word: 'first',
      inner: 'inner',
      dir: path.join(pkgDir(), 'lib'),
      file: path.join(pkgDir(), 'lib', 'index.js'),
    });
  });

  test('loads a lazily bundled module on its first require, from the bundle', () => {
    // GIVEN a package that records being loaded, bundled lazily, and a file of the package root that requires it
    write(
      path.join(root, 'node_modules', 'lazypkg', 'index.js'),
      'globalThis.lazyLoads = (globalThis.lazyLoads ?? 0) + 1;\nexports.value = 42;\n',
    );
    write(path.join(root, 'use.js'), "module.exports = () => [require('lazypkg'), require('lazypkg')];\n");
    const vendor = path.join(ROOT, 'bin/vendor.js');
    const script = `const { loadVendor, installVendorHook } = require(${JSON.stringify(vendor)});
      loadVendor({ root: ${JSON.stringify(root)}, lazyNames: ['lazypkg'], cacheDir: ${JSON.stringify(cacheDir())} }).then((v) => {
        installVendorHook(v);
        const use = require(${JSON.stringify(path.join(root, 'use.js'))});
        const before = globalThis.lazyLoads ?? 0;
        const [a, b] = use();
        const fromNodeModules = Object.keys(require.cache).some((k) => k.includes('lazypkg'));
        console.log(JSON.stringify({ before, after: globalThis.lazyLoads, value: a.value, same: a === b, fromNodeModules }));
      });`;
    const r = node(['-e', script], {});
    expect(r.stderr).toBe('');
    // WHEN it is required twice THEN it ran once, on the first require, and never from node_modules
    expect(JSON.parse(r.stdout)).toEqual({ before: 0, after: 1, value: 42, same: true, fromNodeModules: false });
  });

  test('a file whose require resolves to another copy of a bundled package gets that copy, not the bundle', () => {
    // GIVEN the bundled fakepkg, and a nested package with its own fakepkg (another version)
    write(path.join(root, 'node_modules', 'other', 'index.js'), "module.exports = require('fakepkg');\n");
    write(path.join(root, 'node_modules', 'other', 'node_modules', 'fakepkg', 'index.js'), "exports.word = 'own copy';\n");
    write(path.join(root, 'use.js'), "module.exports = { top: require('fakepkg').word, nested: require('other').word };\n");
    const vendor = path.join(ROOT, 'bin/vendor.js');
    const script = `const { loadVendor, installVendorHook } = require(${JSON.stringify(vendor)});
      loadVendor({ root: ${JSON.stringify(root)}, lazyNames: [], cacheDir: ${JSON.stringify(cacheDir())} }).then((v) => {
        installVendorHook(v);
        const fromNodeModules = () => Object.keys(require.cache).filter((k) => k.includes('fakepkg')).map((k) => k.slice(${JSON.stringify(root)}.length));
        console.log(JSON.stringify({ ...require(${JSON.stringify(path.join(root, 'use.js'))}), loaded: fromNodeModules() }));
      });`;
    const r = node(['-e', script], {});
    expect(r.stderr).toBe('');
    // WHEN both are required THEN the root's require gets the bundle, the nested package its own copy
    expect(JSON.parse(r.stdout)).toEqual({
      top: 'first',
      nested: 'own copy',
      loaded: ['/node_modules/other/node_modules/fakepkg/index.js'],
    });
  });

  test("with `own`, a package's own files load from the bundle, one instance whoever requires them", () => {
    // GIVEN a package whose own compiled files (dist/lib) use a dependency, and a file outside them
    write(
      path.join(root, 'dist', 'lib', 'a.js'),
      "exports.b = require('./b');\nexports.loads = (globalThis.aLoads = (globalThis.aLoads ?? 0) + 1);\n",
    );
    write(path.join(root, 'dist', 'lib', 'b.js'), "exports.word = require('fakepkg').word;\n");
    write(path.join(root, 'dist', 'other.js'), "module.exports = require('./lib/a');\n");
    const vendor = path.join(ROOT, 'bin/vendor.js');
    const own = { dirs: [path.join(root, 'dist', 'lib')], skip: [] };
    const script = `const { loadVendor, installVendorHook } = require(${JSON.stringify(vendor)});
      loadVendor({ root: ${JSON.stringify(root)}, lazyNames: [], cacheDir: ${JSON.stringify(cacheDir())}, own: ${JSON.stringify(own)} }).then((v) => {
        installVendorHook(v);
        const direct = require(${JSON.stringify(path.join(root, 'dist', 'lib', 'a.js'))});
        const viaOther = require(${JSON.stringify(path.join(root, 'dist', 'other.js'))});
        const fromDisk = Object.keys(require.cache).filter((k) => k.includes('/dist/')).map((k) => k.slice(${JSON.stringify(root)}.length));
        console.log(JSON.stringify({ same: direct === viaOther, loads: globalThis.aLoads, word: direct.b.word, fromDisk }));
      });`;
    const r = node(['-e', script], {});
    expect(r.stderr).toBe('');
    // WHEN required directly and through a file outside them THEN one bundled instance, run once; only the outside file came from disk
    expect(JSON.parse(r.stdout)).toEqual({ same: true, loads: 1, word: 'first', fromDisk: ['/dist/other.js'] });
  });

  test('reuses the bundle until an input or the installed packages change', () => {
    load();
    const built = bundleMtime();
    // WHEN nothing changed THEN the bundle is reused
    expect(load().word).toBe('first');
    expect(bundleMtime()).toBe(built);
    // WHEN a file of the package changes THEN it is rebuilt
    write(path.join(pkgDir(), 'lib', 'inner.js'), "exports.inner = 'patched';\n", 30);
    expect(load().inner).toBe('patched');
    const rebuilt = bundleMtime();
    expect(rebuilt).not.toBe(built);
    // WHEN npm installs (it rewrites node_modules/.package-lock.json) THEN it is rebuilt
    write(path.join(root, 'node_modules', '.package-lock.json'), '{ }', 20);
    load();
    expect(bundleMtime()).not.toBe(rebuilt);
  });
});

describe('bin/run.js', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(ROOT, 'test', '.tmp-run-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every file gets the one vendored copy of a dependency', () => {
    // GIVEN an entry and a helper that both import cdk8s
    const entry = path.join(dir, 'entry.ts');
    write(path.join(dir, 'helper.ts'), "import * as cdk8s from 'cdk8s';\nexport const App = cdk8s.App;\n");
    write(
      entry,
      [
        "import * as cdk8s from 'cdk8s';",
        "import { App } from './helper';",
        "const fromNodeModules = require(require.resolve('cdk8s'));",
        'console.log(JSON.stringify({ same: cdk8s.App === App, vendored: cdk8s.App !== fromNodeModules.App, argv: process.argv.slice(1) }));',
        '',
      ].join('\n'),
    );
    // WHEN it runs THEN both see the same module, and it is the bundle's
    expect(JSON.parse(node(['bin/run.js', entry, 'a1']).stdout)).toEqual({ same: true, vendored: true, argv: [entry, 'a1'] });
    // AND with KSTACK_VENDOR=0 they load node_modules
    expect(JSON.parse(node(['bin/run.js', entry, 'a1'], { KSTACK_VENDOR: '0' }).stdout)).toEqual({
      same: true,
      vendored: false,
      argv: [entry, 'a1'],
    });
  });

  test('an error in the entry exits 1 with its message and the source file in the stack', () => {
    const entry = path.join(dir, 'entry.ts');
    write(
      entry,
      [
        "import { App, Chart } from 'cdk8s';",
        "import { FastApiBackend } from '../../lib';",
        "new FastApiBackend(new Chart(new App(), 'c'), 'api', { image: 'x:1', replicas: 0 });",
        '',
      ].join('\n'),
    );
    const r = node(['bin/run.js', entry]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("c/api: 'replicas' must be >= 1, got 0");
    expect(r.stderr).toContain(path.join(ROOT, 'lib', 'fastapi-backend.ts'));
  });

  test('the schema models of every kind the reference stacks produce come from the lazy bundle', () => {
    // GIVEN no schema-result cache, so every object is schema-checked
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-lazy-'));
    const probe = path.join(dir, 'probe.js');
    fs.writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('kubernetes-models'))) + '\\n'));\n",
    );
    try {
      // WHEN all environments are synthesized
      const r = node(['-r', probe, 'bin/kstack.js', 'synth', '--out', out], { KSTACK_GATE_CACHE: '0' });
      expect(r.status).toBe(0);
      // THEN no model was loaded from node_modules (a new kind belongs in bin/vendor.js SCHEMA_MODULES)
      expect(r.stderr).toContain('LOADED []');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('the synth writes the same files with and without the vendor bundle', () => {
    const vendored = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-vendored-'));
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-plain-'));
    try {
      expect(node(['bin/kstack.js', 'synth', '--out', vendored]).status).toBe(0);
      expect(node(['bin/kstack.js', 'synth', '--out', plain], { KSTACK_VENDOR: '0' }).status).toBe(0);
      const files = (d: string): string[] =>
        fs
          .readdirSync(d, { recursive: true, encoding: 'utf8' })
          .filter((f) => fs.statSync(path.join(d, f)).isFile())
          .sort();
      expect(files(vendored)).toEqual(files(plain));
      expect(files(vendored)).toContain(path.join('prod', 'app.k8s.yaml'));
      for (const f of files(vendored))
        expect(fs.readFileSync(path.join(vendored, f), 'utf8')).toBe(fs.readFileSync(path.join(plain, f), 'utf8'));
    } finally {
      fs.rmSync(vendored, { recursive: true, force: true });
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });
});
