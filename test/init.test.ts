/**
 * `kstack init`: the files of the scaffold, its names and pinned versions, and the project itself
 * working against this checkout (its tsconfig compiles, its jest test passes, `kstack synth` and
 * `kstack validate` run in it, its Pulumi program deploys under mocks). The project sits in
 * test/.tmp-init-* with a stand-in node_modules/kstack that points at this checkout's sources, so
 * no install is needed; test/consumer.test.ts does the same from the packed tarball.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { initProject, kstackIn, ROOT } from './consumer-helpers';

const work = fs.mkdtempSync(path.join(ROOT, 'test', '.tmp-init-'));
const app = path.join(work, 'orders-app');
const repoPkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function node(args: string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
}

const EXPECTED = [
  '.gitignore',
  'Pulumi.dev.yaml',
  'Pulumi.prod.yaml',
  'Pulumi.staging.yaml',
  'Pulumi.yaml',
  'README.md',
  'cdk8s.yaml',
  'jest.config.js',
  'package.json',
  'pulumi/index.ts',
  'pulumi/main.js',
  'src/environments.ts',
  'src/main.ts',
  'test/stack.test.ts',
  'tsconfig.json',
];

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => !f.startsWith('node_modules') && fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

beforeAll(() => {
  fs.writeFileSync(path.join(work, 'kstack-0.1.0.tgz'), 'a tarball stand-in');
  initProject(work, 'orders-app', './kstack-0.1.0.tgz');
}, 60_000);

describe('GIVEN kstack init orders-app --kstack ./kstack-0.1.0.tgz', () => {
  test('THEN the project has its files, nothing else beside it, and no placeholder left', () => {
    expect(files(app)).toEqual(EXPECTED);
    expect(fs.readdirSync(work).sort()).toEqual(['kstack-0.1.0.tgz', 'orders-app']);
    for (const f of EXPECTED) expect(fs.readFileSync(path.join(app, f), 'utf8')).not.toMatch(/__[A-Z]+__/);
    expect(fs.readFileSync(path.join(app, 'src', 'environments.ts'), 'utf8')).toContain("const app = 'orders-app';");
    expect(fs.readFileSync(path.join(app, 'Pulumi.dev.yaml'), 'utf8')).toContain('  orders-app:kubeContext: k3d-kstack\n');
    expect(fs.readFileSync(path.join(app, 'cdk8s.yaml'), 'utf8')).toContain('app: npx kstack synth\n');
  });

  test('THEN package.json depends on the tarball as the project reaches it, with the versions this repository pins', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('orders-app');
    expect(pkg.dependencies.kstack).toBe('file:../kstack-0.1.0.tgz');
    expect(pkg.kstack).toEqual({ entry: 'src/main.ts' });
    expect(pkg.scripts).toMatchObject({ synth: 'kstack synth', test: 'tsc --noEmit && jest' });
    const pinned = { ...repoPkg.dependencies, ...repoPkg.devDependencies };
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      if (name === 'kstack') continue;
      expect([name, version]).toEqual([name, pinned[name]]);
    }
  });

  test('WHEN its tsconfig is compiled THEN tsc reports nothing', () => {
    const r = node([path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('WHEN its jest test runs THEN it passes in every environment', () => {
    const r = node([path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'], app);
    expect(r.stderr).toMatch(/Tests: +10 passed, 10 total/);
    expect(r.status).toBe(0);
  });

  test('WHEN kstack synth runs in it THEN dist/<env> for each environment, each passing kstack validate with no flags', () => {
    const kstack = (...args: string[]) => kstackIn(app, ...args);
    const synth = kstack('synth');
    expect(synth.stdout).toMatch(
      /^dev: \d+ objects -> dist\/dev\ndev: 4 compose services -> dist\/dev\/compose\nstaging: \d+ objects -> dist\/staging\nprod: \d+ objects -> dist\/prod\n$/m,
    );
    expect(synth.status).toBe(0);
    for (const env of ['dev', 'staging', 'prod']) {
      const r = kstack('validate', `dist/${env}`);
      expect([r.status, r.stdout.trim().split('\n').pop()]).toEqual([
        0,
        expect.stringMatching(new RegExp(`^0 error\\(s\\).*\\[env ${env}, from the kstack header\\]$`)),
      ]);
    }
  });

  test('WHEN the examples of docs/cli.md run in it (but init) THEN each exits as its comment says, with no stack trace', () => {
    const docs = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
    const lines = [...docs.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n')).filter((l) => l.startsWith('npx kstack '));
    const examples = lines.filter((l) => !l.startsWith('npx kstack init'));
    expect(examples.length).toBeGreaterThanOrEqual(14);
    for (const line of examples) {
      const [command, comment = ''] = line.split(/\s+#\s/);
      // Only kstack's part of a pipeline (`&& dot -Tsvg ...` needs Graphviz).
      const args = command.split('&&')[0].trim().split(/\s+/).slice(2);
      const r = kstackIn(app, ...args);
      expect({ line, status: r.status, trace: /^\s+at /m.test(r.stderr) }).toEqual({
        line,
        status: Number(/-> exit (\d)/.exec(comment)?.[1] ?? 0),
        trace: false,
      });
    }
  });

  test('WHEN its Pulumi program runs under mocks for prod THEN it registers the synthesized objects, with the URL', () => {
    const script = `
      require('kstack/register');
      const pulumi = require('@pulumi/pulumi');
      const seen = [];
      pulumi.runtime.setMocks({ newResource: (a) => { seen.push(a.inputs); return { id: a.name + '_id', state: a.inputs }; }, call: () => ({}) }, 'orders-app', 'prod', false);
      pulumi.runtime.setAllConfig({ 'orders-app:kubeContext': 'prod' });
      const out = require('./pulumi/main.js');
      process.on('beforeExit', () => { process.stdout.write(JSON.stringify({ urls: out.urls, kinds: seen.filter((i) => i && i.kind).map((i) => i.kind + '/' + i.metadata.name).sort() })); process.exit(0); });`;
    const r = node(['-e', script], app);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.urls).toEqual(['https://orders-app.example.com']);
    expect(out.kinds).toEqual(
      expect.arrayContaining(['Deployment/api', 'Deployment/web', 'HTTPRoute/app', 'Gateway/app', 'Namespace/orders-app-prod']),
    );
    expect(out.kinds.filter((k: string) => /^(StatefulSet|Secret)\//.test(k))).toEqual([]);
  });
});
