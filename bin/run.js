#!/usr/bin/env node
'use strict';
// Runs a TypeScript entry point without ts-node (see bin/register.js: swc transpile, no type
// check, output cached by content hash). Usage: node bin/run.js bin/synth.ts [args...]
const path = require('path');

require('./register');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node bin/run.js <entry.ts> [args...]\n');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...args];
require(path.resolve(entry));
