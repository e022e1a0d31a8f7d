'use strict';
// Require hook for TypeScript without ts-node: each .ts file is transpiled by swc (no type check;
// `npm test` runs tsc) and the output is cached by content hash, so a warm run costs a hash per
// file. Each cache entry carries the digest of what was written and is checked when read
// (bin/cache.js): an empty, truncated or garbled entry is rebuilt, never run.
// Used by bin/run.js (the CLI entry points) and bin/pulumi/main.js (the Pulumi program).
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
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

function transpile(source, filename) {
  const key = crypto.createHash('sha1').update(CACHE_VERSION).update(filename).update('\0').update(source).digest('hex');
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

require.extensions['.ts'] = (module, filename) => {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};

module.exports = { sourcePosition };
