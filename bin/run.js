#!/usr/bin/env node
'use strict';
// Runs a TypeScript entry point without ts-node or a type check (`npm test` runs tsc): kstack's
// sources through swc, file by file with a content-hash cache (bin/register.js), and the
// runtime dependencies from one cached esbuild bundle (bin/vendor.js; KSTACK_VENDOR=0 loads
// them from node_modules file by file; KSTACK_CACHE_DIR moves the caches, see bin/cache.js).
// Usage: node bin/run.js bin/synth.ts [args...]
const path = require('path');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node bin/run.js <entry.ts> [args...]\n');
  process.exit(2);
}
const entryPath = path.resolve(entry);
process.argv = [process.argv[0], entryPath, ...args];
require('./register');

if (process.env.KSTACK_VENDOR === '0') {
  require(entryPath);
} else {
  const { loadVendor, installVendorHook } = require('./vendor');
  const { cacheRoot } = require('./cache');
  loadVendor({ root: path.join(__dirname, '..'), cacheDir: path.join(cacheRoot(), 'kstack-vendor') })
    .then((vendor) => {
      installVendorHook(vendor);
      require(entryPath);
    })
    .catch((err) => {
      process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    });
}
