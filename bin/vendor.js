'use strict';
// The runtime dependencies that every synth loads (cdk8s, cdk8s-plus-27, constructs, yaml,
// js-yaml: ~230 files) as one esbuild bundle, cached in node_modules/.cache/kstack-vendor.
// Loading them file by file costs Node ~50 ms of path resolution, reads and compiles per
// process; one file costs a fraction. kstack's own sources stay file by file (bin/register.js),
// so an edit costs one swc transpile, not a rebuild. The bundle is rebuilt when the installed
// packages change (npm rewrites node_modules/.package-lock.json) or any of its inputs does.
// Used by bin/run.js; KSTACK_VENDOR=0 there loads the packages from node_modules as usual.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const Module = require('module');

const CACHE_VERSION = 'v1';
// Loaded lazily, per kind, by the validation gate (lib/validate/schema.ts): bundling them would
// load every schema up front.
const LAZY = new Set(['kubernetes-models', '@kubernetes-models/argo-cd']);

function stamp(file) {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function readManifest(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
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

function writeAtomically(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

async function build(root, names, outfile, manifestFile, key) {
  const esbuild = require('esbuild');
  const startedMs = Date.now();
  const result = await esbuild.build({
    stdin: {
      contents: `module.exports = {\n${names.map((n) => `  ${JSON.stringify(n)}: require(${JSON.stringify(n)}),`).join('\n')}\n};\n`,
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
    plugins: [ownPathsPlugin],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('<stdin>') && f !== 'kstack-vendor-entry.js').map((f) => path.resolve(root, f)).sort();
  const stamps = Object.fromEntries([path.join(root, 'node_modules', '.package-lock.json'), ...inputs].map((f) => [f, stamp(f)]));
  for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
  // A package changed while esbuild read it (an npm install running) may be in the bundle in
  // either version: no manifest then, so the next run builds again.
  const changedDuringBuild = inputs.some((f) => {
    try {
      return fs.statSync(f).mtimeMs >= startedMs;
    } catch {
      return true;
    }
  });
  if (changedDuringBuild) fs.rmSync(manifestFile, { force: true });
  else writeAtomically(manifestFile, JSON.stringify({ key, names, stamps }));
}

/** The runtime dependencies of the package at `root` (its package.json), minus the lazily loaded ones. */
function vendoredNames(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return Object.keys(pkg.dependencies ?? {}).filter((n) => !LAZY.has(n)).sort();
}

/**
 * Loads `names` (default: the runtime dependencies of the package at `root`) from the cached
 * bundle, building it first when stale. Returns the module of each name.
 */
async function loadVendor({ root, names = vendoredNames(root), cacheDir = path.join(root, 'node_modules', '.cache', 'kstack-vendor') }) {
  const key = crypto.createHash('sha1').update(CACHE_VERSION).update('\0').update(root).update('\0').update(names.join('\0')).update('\0').update(process.version).digest('hex').slice(0, 16);
  const outfile = path.join(cacheDir, `vendor-${key}.js`);
  const manifestFile = path.join(cacheDir, `vendor-${key}.json`);
  if (!isFresh(readManifest(manifestFile), key)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    await build(root, names, outfile, manifestFile, key);
  }
  return require(outfile);
}

/** From now on, `require(name)` of a vendored name returns the bundled module, from any file. */
function installVendorHook(modules) {
  const load = Module._load;
  Module._load = function loadVendored(request, parent, isMain) {
    if (Object.prototype.hasOwnProperty.call(modules, request)) return modules[request];
    return load.call(this, request, parent, isMain);
  };
}

module.exports = { loadVendor, installVendorHook, vendoredNames };
