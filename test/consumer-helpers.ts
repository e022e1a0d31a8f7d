/**
 * A project that uses kstack, without installing it: `kstack init` into a folder of the
 * repository (test/.tmp-*, so cdk8s, jest and @pulumi/* resolve from its node_modules) with a
 * stand-in node_modules/kstack that exports this checkout's sources under the package's names.
 * test/pack.test.ts does the real thing from the packed tarball.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..');

/** node_modules/kstack of `project`: this checkout's lib through the package's own export names. */
export function standIn(project: string): void {
  const dir = path.join(project, 'node_modules', 'kstack');
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'));
  fs.writeFileSync(path.join(dir, 'register.js'), `module.exports = require(${JSON.stringify(path.join(ROOT, 'bin', 'register.js'))});\n`);
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'kstack',
      version,
      exports: {
        '.': { types: './lib/index.ts', default: './lib/index.ts' },
        './pulumi': { types: './lib/pulumi/index.ts', default: './lib/pulumi/index.ts' },
        './register': './register.js',
      },
    }),
  );
}

/** Runs this checkout's `kstack` in `cwd`. */
export function kstackIn(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'bin', 'kstack.js'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
}

/** `kstack init <name>` in `parent` (depending on kstack `spec`), with the stand-in installed; returns the project folder. */
export function initProject(parent: string, name: string, spec: string): string {
  const r = kstackIn(parent, 'init', name, '--kstack', spec);
  if (r.status !== 0) throw new Error(`kstack init exited with ${r.status}: ${r.stderr}`);
  const project = path.join(parent, name);
  standIn(project);
  return project;
}
