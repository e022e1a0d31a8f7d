'use strict';
// Pulumi's `main` (Pulumi.yaml, runtime option typescript: false): Pulumi does not start ts-node,
// so there is no type-check cost at `pulumi up`; .ts files are transpiled by swc through
// bin/register.js (cached by content hash), the same hook `node bin/run.js` uses.
require('../register');
module.exports = require('./index.ts');
