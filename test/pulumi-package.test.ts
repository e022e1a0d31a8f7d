/**
 * kstack/pulumi as a package subpath: `@pulumi/*` are optional peer dependencies, and
 * `require('kstack')` never loads them (users without Pulumi install kstack for the YAML and
 * Compose targets).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const PULUMI = ['@pulumi/docker', '@pulumi/kubernetes', '@pulumi/pulumi', '@pulumi/random'];

/** Runs `code` in a plain Node process with the swc hook (as bin/run.js does), returns its stdout as JSON. */
function inNode(code: string): any {
  const res = spawnSync(process.execPath, ['-e', `require('./bin/register'); ${code}`], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  expect(res.stderr).toBe('');
  return JSON.parse(res.stdout);
}

test('GIVEN the library entry WHEN required THEN no @pulumi module is loaded and nothing of kstack/pulumi is exported', () => {
  const out = inNode(`
    const kstack = require('./lib/index.ts');
    const loaded = Object.keys(require.cache).filter((f) => f.includes('/node_modules/@pulumi/'));
    process.stdout.write(JSON.stringify({ loaded, exports: Object.keys(kstack), modules: Object.keys(require.cache).length }));
  `);
  expect(out.loaded).toEqual([]);
  // It did load the library (so the check above could have failed).
  expect(out.exports).toEqual(expect.arrayContaining(['FastApiBackend', 'synthesizeEnvironment', 'describeStack']));
  for (const name of ['KstackDeployment', 'planDeployment', 'hashBuildContext', 'TRAEFIK_GATEWAY_VALUES'])
    expect(out.exports).not.toContain(name);
  expect(fs.readFileSync(path.join(ROOT, 'lib/index.ts'), 'utf8')).not.toMatch(/pulumi/);
});

test('GIVEN kstack/pulumi WHEN required THEN it loads Pulumi and exports the component and the plan', () => {
  const out = inNode(`
    const p = require('./lib/pulumi/index.ts');
    const loaded = Object.keys(require.cache).filter((f) => f.includes('/node_modules/@pulumi/pulumi/'));
    process.stdout.write(JSON.stringify({ exports: Object.keys(p), pulumi: loaded.length > 0 }));
  `);
  expect(out.pulumi).toBe(true);
  expect(out.exports).toEqual(expect.arrayContaining(['KstackDeployment', 'planDeployment', 'hashBuildContext', 'GATEWAY_API_VERSION']));
});

test('GIVEN package.json THEN "./pulumi" is exported from the build output and @pulumi/* are optional peers, pinned as dev dependencies', () => {
  expect(pkg.exports['./pulumi']).toEqual({ types: './dist-lib/lib/pulumi/index.d.ts', default: './dist-lib/lib/pulumi/index.js' });
  // tsconfig.build.json compiles lib/ to dist-lib/lib/: the subpath is lib/pulumi/index.ts.
  expect(fs.existsSync(path.join(ROOT, 'lib/pulumi/index.ts'))).toBe(true);
  expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')).include).toContain('lib');
  expect(pkg.files).toContain('dist-lib/lib/**/*.js');
  for (const name of PULUMI) {
    expect(pkg.dependencies[name]).toBeUndefined();
    expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
    expect(pkg.devDependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
    // The peer range admits the version tested here.
    expect(pkg.peerDependencies[name]).toBe(`^${pkg.devDependencies[name]}`);
  }
});
