'use strict';
// Pulumi's `main` (Pulumi.yaml, runtime option typescript: false): Pulumi starts no ts-node;
// kstack's swc hook transpiles the TypeScript (no type check: `npm test` runs tsc), cached in
// node_modules/.cache.
require('kstack/register');
module.exports = require('./index.ts');
