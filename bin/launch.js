'use strict';
// Starts a kstack program the fast way (no ts-node, no type check: `npm test` runs tsc): .ts files
// through swc with a content-hash cache (bin/register.js), and the runtime dependencies from one
// cached esbuild bundle (bin/vendor.js; KSTACK_VENDOR=0 loads them from node_modules file by file).
// KSTACK_CACHE_DIR moves the caches (bin/cache.js). Used by bin/run.js and bin/kstack.js; it runs
// from bin/ in a checkout and from dist-lib/bin/ in the installed package.
const path = require('path');

/**
 * Installs the .ts hook, then (with `vendor`) the dependency bundle of the kstack package, then
 * calls `start`. An error while loading the bundle ends the process with exit code 1.
 */
function launch({ vendor = true, start }) {
  require('./register');
  if (!vendor || process.env.KSTACK_VENDOR === '0') return start();
  const { loadVendor, installVendorHook } = require('./vendor');
  const { cacheRoot, PACKAGE_ROOT } = require('./cache');
  // Installed (this file in dist-lib/bin): the compiled library and command line go into the bundle too;
  // kstack/pulumi stays out (it loads @pulumi/*, which a synth never needs).
  const compiled = path.basename(path.dirname(__dirname)) === 'dist-lib';
  const own = compiled
    ? { dirs: [path.join(__dirname, '..', 'lib'), path.join(__dirname, 'cli'), path.join(__dirname, 'internal')], skip: ['pulumi'] }
    : undefined;
  return loadVendor({ root: PACKAGE_ROOT, cacheDir: path.join(cacheRoot(), 'kstack-vendor'), own }).then(
    (bundle) => {
      installVendorHook(bundle);
      return start();
    },
    (err) => {
      process.stderr.write(`kstack: cannot load the dependency bundle: ${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
}

module.exports = { launch };
