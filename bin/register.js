'use strict';
// Require hook for TypeScript without ts-node: each .ts file is transpiled by swc (no type check;
// `npm test` runs tsc) and the output is cached by content hash, so a warm run costs a hash per
// file. Each cache entry carries the digest of what was written and is checked when read
// (bin/cache.js): an empty, truncated or garbled entry is rebuilt, never run.
// Used by bin/run.js (the CLI entry points) and bin/pulumi/main.js (the Pulumi program).
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const vm = require('vm');
const Module = require('module');
const { cacheRoot, ensureCacheFolder, readEntry, writeEntry } = require('./cache');

const cacheDir = path.join(cacheRoot(), 'kstack-swc');
const CACHE_VERSION = 'v2';
const LABEL = 'transpile';
let swc;
let cacheUsable;

const OPTIONS = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  swcrc: false,
  configFile: false,
};

/** The transpiled JavaScript of a .ts file, and the cache key it is stored under. */
function transpile(source, filename) {
  const key = crypto.createHash('sha1').update(CACHE_VERSION).update(filename).update('\0').update(source).digest('hex');
  return { key, code: transpiled(source, filename, key) };
}

function transpiled(source, filename, key) {
  const cached = path.join(cacheDir, `${key}.js`);
  const hit = readEntry(cached, LABEL);
  if (hit !== undefined) return hit.toString('utf8');
  swc ??= require('@swc/core');
  let code;
  try {
    ({ code } = swc.transformSync(source, { ...OPTIONS, filename }));
  } catch (err) {
    throw syntaxError(err, filename);
  }
  cacheUsable ??= ensureCacheFolder(cacheDir, LABEL);
  if (cacheUsable) writeEntry(cached, code);
  return code;
}

/**
 * swc's error (a code frame, then a native backtrace) as one line, 'file:line:column: message':
 * the first problem it reports, where it points.
 */
function syntaxError(err, filename) {
  const lines = String((err && err.message) || err).split('\n');
  const message = (lines.find((l) => /^\s*x /.test(l)) || 'cannot be parsed').replace(/^\s*x /, '');
  const caret = lines.findIndex((l) => /^\s*:\s*\^/.test(l));
  const source = caret > 0 ? /^\s*(\d+) \| /.exec(lines[caret - 1]) : null;
  const where = source ? `:${source[1]}:${lines[caret].indexOf('^') - source[0].length + 1}` : '';
  const error = new SyntaxError(`${filename}${where}: ${message}`);
  error.code = 'KSTACK_TS_SYNTAX';
  return error;
}

/**
 * Where a position of the code run for a .ts file (1-based line and column, as a stack trace
 * gives them) is in the TypeScript source: the file is transpiled again with a source map, only
 * when asked (an error to report), so that runs without errors pay nothing for it.
 */
function sourcePosition(filename, line, column) {
  try {
    swc ??= require('@swc/core');
    const { map } = swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...OPTIONS, filename, sourceMaps: true });
    const entry = new (require('module').SourceMap)(JSON.parse(map)).findEntry(line - 1, column - 1);
    return entry && typeof entry.originalLine === 'number' ? { line: entry.originalLine + 1, column: entry.originalColumn + 1 } : undefined;
  } catch {
    return undefined; // the file changed or went away: no position rather than a wrong one
  }
}

/** The require() a module's code gets, as Node's own: relative to the module, through Module._load. */
function requireFor(mod) {
  const req = (id) => mod.require(id);
  req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  req.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  req.main = process.mainModule;
  req.extensions = Module._extensions;
  req.cache = Module._cache;
  return req;
}

const compiledPending = [];

/**
 * Runs a transpiled file as the module, compiled through V8's code cache (as bin/vendor.js does
 * for the dependency bundle): compiling kstack's hundred-odd sources costs every run ~30 ms, the
 * cache holds them compiled. A cache entry is made at exit after a run that had none (so it holds
 * the functions compiled while running), keyed like the transpile entry and checked when read;
 * one V8 rejects (another Node version) is remade. Where the cache cannot be written, the file
 * is compiled as usual.
 */
function compileCached(mod, code, filename, key) {
  cacheUsable ??= ensureCacheFolder(cacheDir, LABEL);
  if (!cacheUsable) return mod._compile(code, filename);
  const cacheFile = path.join(cacheDir, `${key}-${process.version}.v8cache`);
  const cachedData = readEntry(cacheFile, 'compiled-code');
  const script = new vm.Script(Module.wrap(code), { filename, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    if (compiledPending.length === 0) process.once('exit', () => compiledPending.forEach(([f, s]) => writeEntry(f, s.createCachedData())));
    compiledPending.push([cacheFile, script]);
  }
  const fn = script.runInThisContext({ displayErrors: true });
  return fn.call(mod.exports, mod.exports, requireFor(mod), mod, filename, path.dirname(filename));
}

require.extensions['.ts'] = (mod, filename) => {
  const { key, code } = transpile(fs.readFileSync(filename, 'utf8'), filename);
  compileCached(mod, code, filename, key);
};

module.exports = { sourcePosition };
