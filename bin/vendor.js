'use strict';
// The runtime dependencies that every synth loads (cdk8s, cdk8s-plus-27, constructs, yaml,
// js-yaml: ~230 files) as one esbuild bundle, and the schema models the validation gate loads
// when an object is not in its schema-result cache (~225 files) as a second one, required on
// first use; both cached in <cache root>/kstack-vendor (bin/cache.js: the project's
// node_modules/.cache). Loading them file by file costs Node ~50 and ~70 ms of path resolution,
// reads and compiles per process; one file costs a fraction. kstack's own sources stay file by file
// (bin/register.js), so an edit costs one swc transpile, not a rebuild. A bundle is rebuilt when the
// installed packages change (npm rewrites node_modules/.package-lock.json) or any of its inputs
// does. V8's compiled code of the dependency bundle is cached beside it (compileBundle). Bundles,
// their manifests and the compiled code carry the digest of their content, checked when read
// (bin/cache.js): a bad one is rebuilt, never loaded.
// A require() gets the bundled module only where it would have loaded the very file the bundle was
// built from: a program with its own, other version of a bundled package (yaml 1, say) keeps it.
// Used by bin/launch.js; KSTACK_VENDOR=0 there loads the packages from node_modules as usual.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const Module = require('module');
const vm = require('vm');
const { ensureCacheFolder, projectModules, readEntry, writeEntry } = require('./cache');

const CACHE_VERSION = 'v2';
// What notices call each bundle, by file-name prefix.
const LABELS = { vendor: 'dependency bundle', lazy: 'schema bundle' };
// Loaded lazily, per kind, by the validation gate (lib/validate/schema.ts): not in the eager bundle.
const LAZY = new Set([
  'kubernetes-models',
  '@kubernetes-models/argo-cd',
  '@kubernetes-models/cert-manager',
  '@kubernetes-models/gateway-api',
]);
// Where the bundle keeps the loaders of its own files (loadVendor's `own`).
const OWN_MODULES = Symbol.for('kstack.ownModules');
// Runtime dependencies of the command line itself, never loaded by a synth: native code, not bundled.
const TOOLCHAIN = new Set(['@swc/core', 'esbuild']);
// The models of the kinds kstack's constructs produce, as the gate requires them; any other kind
// loads from node_modules.
const SCHEMA_MODULES = [
  '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application',
  '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway',
  '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute',
  'kubernetes-models/apps/v1/Deployment',
  'kubernetes-models/apps/v1/StatefulSet',
  'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'kubernetes-models/batch/v1/CronJob',
  'kubernetes-models/batch/v1/Job',
  'kubernetes-models/networking.k8s.io/v1/Ingress',
  'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'kubernetes-models/policy/v1/PodDisruptionBudget',
  'kubernetes-models/v1/ConfigMap',
  'kubernetes-models/v1/Namespace',
  'kubernetes-models/v1/PersistentVolumeClaim',
  'kubernetes-models/v1/Secret',
  'kubernetes-models/v1/Service',
  'kubernetes-models/v1/ServiceAccount',
];

function statOf(file) {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function stamp(file, stats = statOf(file)) {
  return stats ? `${stats.size}:${stats.mtimeMs}` : 'missing';
}

function readManifest(file, label) {
  const bytes = readEntry(file, `${label} manifest`);
  try {
    return bytes && JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined; // sound digest but not ours: rebuilt
  }
}

function isFresh(manifest, key) {
  return manifest !== undefined && manifest.key === key && Object.entries(manifest.stamps).every(([f, s]) => stamp(f) === s);
}

// esbuild gives every module the bundle's __dirname and __filename; a file that uses them (cdk8s
// finds a helper script next to itself) gets its own, so paths relative to it keep working.
const ownPathsPlugin = {
  name: 'kstack-own-paths',
  setup(build) {
    build.onLoad({ filter: /\.(js|cjs)$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      if (!source.includes('__dirname') && !source.includes('__filename')) return undefined;
      const header = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};`;
      // After a shebang, which must stay first; the header adds no line.
      const body = source.startsWith('#!') ? source.replace(/^#!.*/, (line) => `//${line.slice(2)}`) : source;
      return { contents: `${header}${body}`, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

// The command line's own plain-JavaScript runtime (this folder): loaded before any bundle, and kept
// out of them so that there is one instance of each.
const RUNTIME = new Set(['cache.js', 'register.js', 'vendor.js', 'launch.js'].map((f) => path.join(__dirname, f)));

const runtimeExternal = {
  name: 'kstack-runtime-external',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      const found = [file, `${file}.js`].find((f) => RUNTIME.has(f));
      return found ? { path: found, external: true } : undefined;
    });
  },
};

/** The .js files below `dirs` (not in a folder named in `skip`), sorted. */
function jsFiles(dirs, skip) {
  const found = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && !skip.includes(e.name)) walk(path.join(dir, e.name));
      else if (e.isFile() && e.name.endsWith('.js')) found.push(path.join(dir, e.name));
    }
  };
  dirs.forEach(walk);
  return found.sort();
}

/**
 * The bundle's entry: the named packages as its exports, and, under OWN_MODULES, a loader per
 * own file (by absolute path), run on first use.
 */
function entrySource(names, ownFiles) {
  const lines = [`module.exports = {`, ...names.map((n) => `  ${JSON.stringify(n)}: require(${JSON.stringify(n)}),`), '};'];
  if (ownFiles.length > 0) {
    lines.push(
      'Object.defineProperty(module.exports, Symbol.for("kstack.ownModules"), { value: {',
      ...ownFiles.map((f) => `  ${JSON.stringify(f)}: () => require(${JSON.stringify(f)}),`),
      '} });',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Builds the bundle; writes it and its manifest to the cache when `cached`; returns its code. */
async function build(root, names, outfile, manifestFile, key, cached, own) {
  // Runs only on a cache miss: the esbuild service costs ~50 ms to start.
  const esbuild = require('esbuild');
  const startedMs = Date.now();
  const result = await esbuild.build({
    stdin: {
      contents: entrySource(names, own ? jsFiles(own.dirs, own.skip) : []),
      resolveDir: root,
      sourcefile: 'kstack-vendor-entry.js',
      loader: 'js',
    },
    outfile,
    // Metafile paths are relative to it.
    absWorkingDir: root,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    metafile: true,
    logLevel: 'error',
    plugins: [runtimeExternal, ownPathsPlugin],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.startsWith('<stdin>') && f !== 'kstack-vendor-entry.js')
    .map((f) => path.resolve(root, f))
    .sort();
  const installStamp = path.join(projectModules(root), '.package-lock.json');
  const inputStats = inputs.map((f) => statOf(f));
  const stamps = Object.fromEntries([[installStamp, stamp(installStamp)], ...inputs.map((f, i) => [f, stamp(f, inputStats[i])])]);
  const code = Buffer.from(result.outputFiles.find((f) => f.path === outfile).contents);
  if (!cached) return code;
  // A package changed while esbuild read it (an npm install running) may be in the bundle in
  // either version: no manifest then, so the next run builds again.
  const changedDuringBuild = inputStats.some((s) => s === undefined || s.mtimeMs >= startedMs);
  if (writeEntry(outfile, code) && !changedDuringBuild) writeEntry(manifestFile, JSON.stringify({ key, names, stamps }));
  else fs.rmSync(manifestFile, { force: true });
  return code;
}

/** The runtime dependencies of the package at `root` (its package.json), minus the lazily loaded ones and the toolchain. */
function vendoredNames(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return Object.keys(pkg.dependencies ?? {})
    .filter((n) => !LAZY.has(n) && !TOOLCHAIN.has(n))
    .sort();
}

/** A bundle of `names` (and `own` files) as { file, code }: from the cache when fresh and sound, else built. */
async function ensureBundle(root, cacheDir, label, names, own) {
  const key = crypto
    .createHash('sha1')
    .update(CACHE_VERSION)
    .update('\0')
    .update(root)
    .update('\0')
    .update(names.join('\0'))
    .update('\0')
    .update(own ? JSON.stringify(own) : '')
    .update('\0')
    .update(process.version)
    .digest('hex')
    .slice(0, 16);
  const outfile = path.join(cacheDir, `${label}-${key}.js`);
  const manifestFile = path.join(cacheDir, `${label}-${key}.json`);
  const cached = ensureCacheFolder(cacheDir, 'bundle');
  const code = cached && isFresh(readManifest(manifestFile, LABELS[label]), key) ? readEntry(outfile, LABELS[label]) : undefined;
  return { root, file: outfile, code: code ?? (await build(root, names, outfile, manifestFile, key, cached, own)) };
}

/**
 * Runs a bundle's code as the module `file` (its require(), for what it left out, resolves from
 * the package root, where its packages came from), with V8's code
 * cache for it: compiling ~1.5 MB of JavaScript and the functions a synth runs costs a run tens of
 * milliseconds; the cache holds them compiled. It is made after the first run that has none (at
 * exit, so that it also holds the functions compiled while running), named after the digest of
 * the bundle's code and checked when read (bin/cache.js); one V8 rejects is rebuilt.
 */
function compileBundle({ root, file, code }) {
  const source = code.toString('utf8');
  const cacheFile = `${file.replace(/\.js$/, '')}-${crypto.createHash('sha1').update(code).digest('hex').slice(0, 16)}.v8cache`;
  const cachedData = readEntry(cacheFile, 'compiled-code');
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => writeEntry(cacheFile, script.createCachedData()));
  }
  const bundle = new Module(file, module);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(root);
  const require = Module.createRequire(path.join(root, 'package.json'));
  script.runInThisContext().call(bundle.exports, bundle.exports, require, bundle, file, path.dirname(file));
  bundle.loaded = true;
  return bundle.exports;
}

/**
 * Makes sure the bundles of the package at `root` are fresh: `names` (default: its runtime
 * dependencies) loaded now, `lazyNames` (default: the schema models of kstack's kinds) on first
 * use. With `own` ({ dirs, skip }), the .js files below `dirs` (not in folders named in `skip`)
 * go into the first bundle too: the installed package's compiled library and command line, which
 * no one edits, load as one file instead of a hundred. Returns both, for {@link installVendorHook}.
 */
async function loadVendor({
  root,
  names = vendoredNames(root),
  lazyNames = SCHEMA_MODULES,
  cacheDir = path.join(projectModules(root), '.cache', 'kstack-vendor'),
  own,
}) {
  // Both checked now, so a bad one is rebuilt in this run; the lazy one is compiled on first use.
  const [eager, lazyBundle] = await Promise.all([
    ensureBundle(root, cacheDir, 'vendor', names, own),
    lazyNames.length > 0 ? ensureBundle(root, cacheDir, 'lazy', lazyNames) : undefined,
  ]);
  let lazy = lazyBundle;
  let lazyModules;
  return {
    root,
    modules: compileBundle(eager),
    lazyNames,
    loadLazy: () => {
      lazyModules ??= compileBundle(lazy);
      lazy = undefined;
      return lazyModules;
    },
  };
}

/**
 * From now on, `require(name)` of a bundled name returns the bundled module, from every file whose
 * require would have loaded the file the bundle holds (the one `name` resolves to from the root).
 */
function installVendorHook(vendor) {
  const { modules, loadLazy, root } = vendor;
  const lazyNames = new Set(vendor.lazyNames);
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const fromRoot = new Module(path.join(root, 'package.json'), null);
  fromRoot.filename = fromRoot.id;
  fromRoot.paths = Module._nodeModulePaths(root);
  const resolve = (request, parent) => {
    try {
      return Module._resolveFilename(request, parent, false);
    } catch {
      return undefined; // not resolvable from there: Node's own require reports it
    }
  };
  // By request, then by the parent's folder: every file of a folder resolves a name the same way.
  const bundled = new Map();
  const sameFile = new Map();
  const isBundledFor = (request, parent) => {
    if (!bundled.has(request)) bundled.set(request, resolve(request, fromRoot));
    const key = `${parent && parent.filename ? path.dirname(parent.filename) : ''}\0${request}`;
    if (!sameFile.has(key)) sameFile.set(key, resolve(request, parent) === bundled.get(request));
    return sameFile.get(key);
  };
  // Own files: a request that names a file (or the package itself) gets the bundled module when it resolves to one.
  const ownModules = modules[OWN_MODULES];
  const ownFile = new Map();
  const bundledOwn = (request, parent) => {
    if (!(request.startsWith('.') || path.isAbsolute(request) || request === 'kstack' || request.startsWith('kstack/'))) return undefined;
    const key = `${parent && parent.filename ? path.dirname(parent.filename) : ''}\0${request}`;
    if (!ownFile.has(key)) ownFile.set(key, resolve(request, parent));
    const file = ownFile.get(key);
    return file !== undefined && own(ownModules, file) ? ownModules[file] : undefined;
  };
  const load = Module._load;
  Module._load = function loadVendored(request, parent, isMain) {
    const eager = own(modules, request);
    if ((eager || lazyNames.has(request)) && isBundledFor(request, parent)) return eager ? modules[request] : loadLazy()[request];
    const loadOwn = ownModules && bundledOwn(request, parent);
    if (loadOwn) return loadOwn();
    return load.call(this, request, parent, isMain);
  };
}

module.exports = { loadVendor, installVendorHook, vendoredNames, SCHEMA_MODULES, TOOLCHAIN };
