/**
 * kstack as a user gets it (issue #13, "Done when"): the package is packed; `kstack init` makes a
 * project that depends on the tarball; the project installs it (npm's cache: no network but the
 * registry), and its own `npm run synth` and `npm test` pass. Then the project's composition is
 * replaced by one of its own (other names, a managed database, two backends built from its
 * sources), and with only the package's public API and CLI it synthesizes, validates with no
 * flags, diffs two environments, renders Compose, draws the graph and runs its Pulumi program
 * under mocks, registering exactly the synthesized objects. test/tools/consumer-compose.test.ts
 * hands the same composition's Compose project to docker-compose.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { tarballEntries } from './util';

const ROOT = path.join(__dirname, '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'consumer');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-pack-'));
const project = path.join(work, 'ledger');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Runs a command to the end; throws with its output when it fails. */
function sh(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: err });
  }
}

/** `npx kstack ...` in the project: the installed package's command. */
function kstack(...args: string[]) {
  return spawnSync('npx', ['--no-install', 'kstack', ...args], { cwd: project, encoding: 'utf8', timeout: 120_000 });
}

/** 'Kind/namespace/name' of every object in the YAML files of a folder. */
function objectKeys(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.k8s.yaml'))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()))
    .map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)
    .sort();
}

let tarball: string;
let packed: string[];
let scaffoldSynth: string;
let scaffoldTest: string;

beforeAll(() => {
  // GIVEN the packed library (`prepare` builds it)
  tarball = path.join(work, sh('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop()!);
  packed = tarballEntries(tarball);
  // AND a project made by `kstack init`, depending on the tarball, installed from a lockfile with npm ci
  sh(process.execPath, [path.join(ROOT, 'bin', 'kstack.js'), 'init', 'ledger', '--kstack', tarball], work);
  sh('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--prefer-offline'], project);
  sh('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], project);
  // WHEN the scaffold runs as made
  scaffoldSynth = sh('npm', ['run', '--silent', 'synth'], project);
  scaffoldTest = spawnSync('npm', ['test'], { cwd: project, encoding: 'utf8', timeout: 300_000 }).stderr;
  // AND then with a composition of the project's own
  fs.cpSync(FIXTURE, project, { recursive: true });
  fs.rmSync(path.join(project, 'dist'), { recursive: true, force: true });
}, 600_000);

describe('GIVEN kstack packed and installed from its tarball into a project made by kstack init', () => {
  test('THEN the package holds the compiled library and CLI, the templates and the docs, and no sources or tests', () => {
    for (const file of [
      'package/bin/kstack.js',
      'package/dist-lib/lib/index.js',
      'package/dist-lib/lib/index.d.ts',
      'package/dist-lib/lib/pulumi/index.js',
      'package/dist-lib/bin/cli/main.js',
      'package/dist-lib/bin/register.js',
      'package/templates/init/package.json',
      'package/templates/init/gitignore',
      'package/docs/cli.md',
      'package/docs/getting-started.md',
      'package/README.md',
      'package/LICENSE',
    ])
      expect(packed).toContain(file);
    expect(packed.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('package/templates/'))).toEqual([]);
    expect(packed.filter((f) => /^package\/(test|stacks|bench|examples|dist-lib\/stacks|dist-lib\/bin\/pulumi)\//.test(f))).toEqual([]);
  });

  test("THEN the scaffold's own npm run synth and npm test pass", () => {
    expect(scaffoldSynth).toMatch(/^staging: \d+ objects -> dist\/staging$/m);
    expect(scaffoldTest).toMatch(/Tests: +\d+ passed, \d+ total/);
    expect(scaffoldTest).not.toMatch(/failed/);
  });

  test('THEN require("kstack") loads no @pulumi module and no CLI code, and kstack/pulumi resolves', () => {
    const out = sh(
      process.execPath,
      [
        '-e',
        `const k = require('kstack');
         const loaded = Object.keys(require.cache);
         console.log(JSON.stringify({
           pulumi: loaded.filter((f) => f.includes('/@pulumi/')).length,
           cli: loaded.filter((f) => /dist-lib\\/bin\\//.test(f)).length,
           exports: typeof k.defineStack,
           subpath: require.resolve('kstack/pulumi'),
         }));`,
      ],
      project,
    );
    expect(JSON.parse(out)).toEqual({
      pulumi: 0,
      cli: 0,
      exports: 'function',
      subpath: path.join(fs.realpathSync(project), 'node_modules', 'kstack', 'dist-lib', 'lib', 'pulumi', 'index.js'),
    });
  });

  describe('WHEN the project composes its own stack', () => {
    beforeAll(() => {
      const r = kstack('synth');
      if (r.status !== 0) throw new Error(`kstack synth exited with ${r.status}: ${r.stderr}`);
    }, 120_000);

    test('THEN its type check passes', () => {
      expect(spawnSync('npm', ['run', '--silent', 'typecheck'], { cwd: project, encoding: 'utf8' }).status).toBe(0);
    });

    test('THEN kstack synth wrote its files per environment, and kstack validate passes each with no flags', () => {
      for (const env of ['dev', 'staging', 'prod']) {
        expect(objectKeys(path.join(project, 'dist', env))).toEqual(
          expect.arrayContaining([
            `Deployment/ledger-${env}/orders`,
            `Deployment/ledger-${env}/billing`,
            `Ingress/ledger-${env}/ingress-strip`,
          ]),
        );
        const r = kstack('validate', `dist/${env}`);
        expect(r.stdout).toMatch(new RegExp(`^0 error\\(s\\), \\d+ warning\\(s\\) .*\\[env ${env}, from the kstack header\\]$`, 'm'));
        expect(r.status).toBe(0);
      }
      expect(fs.existsSync(path.join(project, 'dist', 'dev', 'compose', 'docker-compose.yml'))).toBe(true);
    });

    test('THEN kstack diff staging prod exits 1 and names the changed fields', () => {
      const r = kstack('diff', 'staging', 'prod');
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^~ Deployment\/ledger-staging\/orders\n(?: {4}.*\n)* {4}spec\.replicas: 2 -> 3$/m);
      expect(r.stdout).toContain('    metadata.annotations.cert-manager.io/cluster-issuer: "letsencrypt-staging" -> "letsencrypt-prod"\n');
      expect(r.stdout).toMatch(/^ {4}spec\.rules\[ledger\.example\.org\]: \(none\) -> \{"host":"ledger\.example\.org"/m);
      expect(r.stdout).toMatch(/^\d+ added, \d+ removed, \d+ changed$/m);
    });

    test('THEN kstack compose writes the dev project, building both backends from the project', () => {
      const r = kstack('compose', '--env', 'dev', '--out', 'compose-dev');
      expect(r.status).toBe(0);
      const compose = parseAllDocuments(fs.readFileSync(path.join(project, 'compose-dev', 'docker-compose.yml'), 'utf8'))[0].toJS();
      expect(compose.services.orders.build.context).toBe('../services/orders');
      expect(compose.services.billing.build.context).toBe('../services/billing');
    });

    test('THEN kstack graph draws both backends, the managed database and the routes', () => {
      const r = kstack('graph', '--env', 'prod');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('w_orders -- ":5432" --> w_ledger_db');
      expect(r.stdout).toContain('w_billing -- ":5432" --> w_ledger_db');
      expect(r.stdout).toMatch(/w_ledger_db\[\("ledger-db \(managed PostgreSQL, :5432\)"\)\]/);
      expect(r.stdout).toMatch(/-- "\/orders \(prefix stripped\)" --> w_orders/);
    });

    test('THEN its Pulumi program under mocks registers exactly the synthesized prod objects, and builds both images', () => {
      const script = `
        require('kstack/register');
        const pulumi = require('@pulumi/pulumi');
        const seen = [];
        pulumi.runtime.setMocks({ newResource: (a) => { seen.push({ type: a.type, inputs: a.inputs }); return { id: a.name + '_id', state: a.inputs }; }, call: () => ({}) }, 'ledger', 'prod', false);
        pulumi.runtime.setAllConfig({ 'ledger:kubeContext': 'prod-cluster', 'ledger:registry': 'registry.example.org' });
        const out = require('./pulumi/main.js');
        process.on('beforeExit', () => {
          const objects = seen.filter((r) => r.type.startsWith('kubernetes:')).map((r) => r.inputs.kind + '/' + (r.inputs.metadata.namespace || '') + '/' + r.inputs.metadata.name);
          process.stdout.write(JSON.stringify({ urls: out.urls, objects: objects.sort(), images: seen.filter((r) => r.type === 'docker:index/image:Image').length }));
          process.exit(0);
        });`;
      const r = spawnSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout);
      expect(out.objects).toEqual(objectKeys(path.join(project, 'dist', 'prod')));
      expect(out.images).toBe(2);
      expect(out.urls).toEqual(['https://ledger.example.org']);
    });

    test("THEN the benchmark's consumer measurement runs on it (`npm run bench -- --consumer DIR`), cold, warm and the stock path", () => {
      const json = path.join(work, 'bench.json');
      sh(process.execPath, ['bench/run.js', '--consumer-only', '--consumer', project, '--smoke', '--json-out', json], ROOT);
      const { consumer } = JSON.parse(fs.readFileSync(json, 'utf8'));
      expect(consumer.objects).toBe(
        ['dev', 'staging', 'prod'].reduce((n, env) => n + objectKeys(path.join(project, 'dist', env)).length, 0),
      );
      for (const ms of [consumer.medianMs, consumer.cold.medianMs, consumer.stock.medianMs, consumer.speedup])
        expect(ms).toBeGreaterThan(0);
      expect(consumer.stock.objects).toBe(consumer.objects);
    });
  });
});
