'use strict';
// Require hook for TypeScript without ts-node: each .ts file is transpiled by swc (no type check;
// `npm test` runs tsc) and the output is cached by content hash, so a warm run costs a hash per
// file. Used by bin/run.js (the CLI entry points) and bin/pulumi/main.js (the Pulumi program).
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const cacheDir = path.join(__dirname, '..', 'node_modules', '.cache', 'kstack-swc');
const CACHE_VERSION = 'v1';
let swc;

function transpile(source, filename) {
  const key = crypto.createHash('sha1').update(CACHE_VERSION).update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // not cached yet
  }
  swc ??= require('@swc/core');
  const { code } = swc.transformSync(source, {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    swcrc: false,
    configFile: false,
  });
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, code);
  fs.renameSync(tmp, cached);
  return code;
}

require.extensions['.ts'] = (module, filename) => {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};
