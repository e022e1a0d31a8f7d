#!/usr/bin/env node
'use strict';
// The `kstack` command (package.json "bin"). In a checkout of kstack it runs the TypeScript
// sources of bin/cli/ through bin/launch.js; in the installed package, the compiled ones in
// dist-lib/bin/cli/. Inside a project that installed its own kstack, a kstack run from elsewhere
// (a global install, npx of another copy) hands over to that one, so the program and the CLI share
// one copy of the library. docs/cli.md describes the commands.
const fs = require('fs');
const path = require('path');

// Commands that run no stack program: they skip loading the dependency bundle.
const NO_PROGRAM = new Set(['init', 'help', '--help', '-h', '--version', undefined]);

/** The kstack installed in the project of the working folder, when it is not this one. */
function projectCopy() {
  const own = fs.realpathSync(path.join(__dirname, '..'));
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'kstack');
    if (fs.existsSync(path.join(candidate, 'package.json'))) {
      return fs.realpathSync(candidate) === own ? undefined : path.join(candidate, 'bin', 'kstack.js');
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function main() {
  const handOver = projectCopy();
  if (handOver !== undefined && fs.existsSync(handOver)) return require(handOver);
  const source = path.join(__dirname, 'cli', 'main.ts');
  const fromSource = fs.existsSync(source);
  const runtime = fromSource ? __dirname : path.join(__dirname, '..', 'dist-lib', 'bin');
  if (!fromSource && !fs.existsSync(path.join(runtime, 'cli', 'main.js'))) {
    process.stderr.write(
      `kstack: this copy of kstack (${path.join(__dirname, '..')}) was installed without its build (dist-lib/ is missing): ` +
        'npm skips the prepare script of a git dependency unless allowed; reinstall with "allowScripts": { "kstack": true } in ' +
        'your package.json, or install a tarball made by npm pack (docs/getting-started.md)\n',
    );
    process.exit(2);
  }
  const argv = process.argv.slice(2);
  require(path.join(runtime, 'launch.js')).launch({
    vendor: !NO_PROGRAM.has(argv[0]),
    start: () => require(path.join(runtime, 'cli', fromSource ? 'main.ts' : 'main.js')).main(argv),
  });
}

main();
