#!/usr/bin/env node
'use strict';
// Runs a TypeScript entry point the way `kstack` runs a program (bin/launch.js: swc transpile
// cache, dependency bundle). For this repository's scripts and tests, e.g. bench/generate.ts.
// Usage: node bin/run.js <entry.ts> [args...]
const path = require('path');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node bin/run.js <entry.ts> [args...]\n');
  process.exit(2);
}
const entryPath = path.resolve(entry);
process.argv = [process.argv[0], entryPath, ...args];
require('./launch').launch({ start: () => require(entryPath) });
