/**
 * The `kstack` command (bin/kstack.js): every command's --help, a table over each command's flags
 * and arguments (each case its own process with a timeout: the right exit code, one line, no
 * stack trace, no hang), ENTRY errors, and what synth, validate, diff, graph and compose write.
 * Programs live in test/.tmp-cli-*: inside the repository, so cdk8s and kstack's lib resolve.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const KSTACK = path.join(ROOT, 'bin', 'kstack.js');
const work = fs.mkdtempSync(path.join(ROOT, 'test', '.tmp-cli-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kstack in its own process; killed (status null) after `timeoutMs`. */
function kstack(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}, timeoutMs = 60_000): Promise<Run> {
  const child = spawn(process.execPath, [KSTACK, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

const LIB = JSON.stringify(path.join(ROOT, 'lib'));
/** A small stack program of two environments (a managed database, one backend): quick to synthesize. */
const SMALL = `import { AppNamespace, defineStack, environmentChart, FastApiBackend, Postgres } from ${LIB};
export default defineStack({
  environments: {
    dev: { name: 'dev', namespace: 'shop-dev', app: 'shop', version: 'dev' },
    prod: { name: 'prod', namespace: 'shop-prod', app: 'shop', version: '1.0.0' },
  },
  build(app, env) {
    const chart = environmentChart(app, env);
    new AppNamespace(chart, 'namespace');
    const db = Postgres.fromConnectionUrl(chart, 'db', { name: 'orders-db', secretName: 'orders-db-url' });
    new FastApiBackend(chart, 'api', { image: 'ghcr.io/acme/api:' + env.version, database: db, replicas: env.name === 'prod' ? 2 : 1 });
    return { files: { 'app.k8s.yaml': chart } };
  },
});
`;

/** Programs that fail, by file name. */
const PROGRAMS: Record<string, string> = {
  'small.ts': SMALL,
  'no-default.ts': 'export const x = 1;\n',
  'not-a-stack.ts': 'export default { hello: 1 };\n',
  'syntax.ts': 'const a = ;\nexport default a;\n',
  'throws.ts': "const f = (): number => {\n  throw new TypeError('boom');\n};\nexport default f();\n",
  'missing-import.ts': "import 'no-such-package-kstack';\nexport default 1;\n",
  'bad-env.ts': `import { defineStack } from ${LIB};\nexport default defineStack({ environments: { dev: { name: 'prod', namespace: 'x', app: 'x', version: '1' } }, build: () => ({}) });\n`,
  'bad-prop.ts': SMALL.replace("replicas: env.name === 'prod' ? 2 : 1", 'replicas: 0'),
  'gate-fails.ts': SMALL.replace("'ghcr.io/acme/api:' + env.version", "'ghcr.io/acme/api:latest'"),
  'program.mjs': 'export default 1;\n',
};

const project = path.join(work, 'project');
const noEntry = path.join(work, 'no-entry');
const badPackage = path.join(work, 'bad-package');
const nonEmpty = path.join(work, 'non-empty');
const aFile = path.join(work, 'a-file');

beforeAll(() => {
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'project', private: true, kstack: { entry: 'small.ts' } }));
  for (const [name, text] of Object.entries(PROGRAMS)) fs.writeFileSync(path.join(project, name), text);
  fs.mkdirSync(path.join(project, 'a-folder.ts'));
  fs.mkdirSync(noEntry);
  fs.writeFileSync(path.join(noEntry, 'package.json'), '{"name": "no-entry"}');
  fs.mkdirSync(badPackage);
  fs.writeFileSync(path.join(badPackage, 'package.json'), '{"name": ');
  fs.mkdirSync(nonEmpty);
  fs.writeFileSync(path.join(nonEmpty, 'keep.txt'), 'mine');
  fs.writeFileSync(aFile, 'x');
});

const COMMANDS = ['synth', 'validate', 'compose', 'diff', 'graph', 'init'];

describe('kstack --help', () => {
  test.concurrent.each(COMMANDS)('GIVEN %s --help THEN its usage on stdout, exit 0', async (command) => {
    const r = await kstack([command, '--help']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^usage: kstack ${command} `));
    expect(r.stdout).toContain('-h, --help');
  });

  test.concurrent.each([
    [['--help'], 0, /^usage: kstack <command>/, ''],
    [['help', 'graph'], 0, /^usage: kstack graph /, ''],
    [['--version'], 0, /^\d+\.\d+\.\d+\n$/, ''],
    [[], 2, /^$/, 'kstack: missing command'],
    [['deploy'], 2, /^$/, 'kstack: unknown command "deploy"; commands: synth, validate, compose, diff, graph, init'],
  ] as [string[], number, RegExp, string][])('GIVEN kstack %j THEN exit %i', async (argv, status, stdout, firstLine) => {
    const r = await kstack(argv);
    expect(r.status).toBe(status);
    expect(r.stdout).toMatch(stdout);
    expect(r.stderr.split('\n')[0]).toBe(firstLine);
  });
});

// [what, argv, working folder, exit code, first line of stderr]
const TABLE: [string, string[], 'project' | 'root' | 'no-entry', number, RegExp][] = [
  ['synth gets an unknown flag', ['synth', '--bogus'], 'root', 2, /^synth: unknown flag "--bogus"$/],
  ['synth: --env without its value', ['synth', '--env'], 'root', 2, /^synth: --env needs a value \(--env NAME\[,\.\.\.\]\)$/],
  ['synth: an unknown target', ['synth', '--target', 'helm'], 'root', 2, /^synth: --target must be one of k8s, compose, got "helm"$/],
  [
    'synth: an unknown environment',
    ['synth', '--env', 'qa'],
    'root',
    2,
    /^synth: unknown environment "qa" in stacks\/index\.ts; known: dev, staging, prod$/,
  ],
  [
    'synth: --out naming a file',
    ['synth', '--out', 'package.json'],
    'root',
    2,
    /^synth: --out names a file, not a folder, got "package\.json"; choose a folder$/,
  ],
  [
    'synth: --out under /proc',
    ['synth', '--out', '/proc/kstack'],
    'root',
    2,
    /^synth: --out must not be under \/proc \(a kernel file system\)/,
  ],
  ['synth: two programs', ['synth', 'a.ts', 'b.ts'], 'root', 2, /^synth: unexpected argument "b\.ts"$/],
  [
    'synth: a missing ENTRY',
    ['synth', 'nope.ts'],
    'project',
    2,
    /^synth: ENTRY "nope\.ts" does not exist; give the file that default-exports defineStack\(\{\.\.\.\}\)$/,
  ],
  ['synth: an ENTRY that is a folder', ['synth', 'a-folder.ts'], 'project', 2, /^synth: ENTRY "a-folder\.ts" is not a regular file/],
  [
    'synth: an ES module ENTRY',
    ['synth', 'program.mjs'],
    'project',
    2,
    /^synth: ENTRY "program\.mjs" must be a \.ts, \.js or \.cjs file \(CommonJS\), got "program\.mjs"$/,
  ],
  [
    'synth: no default export',
    ['synth', 'no-default.ts'],
    'project',
    2,
    /^synth: no-default\.ts has no default export \(export default defineStack\(\{ environments, build \}\)\); it exports x$/,
  ],
  [
    'synth: a default export that is no stack',
    ['synth', 'not-a-stack.ts'],
    'project',
    2,
    /^synth: not-a-stack\.ts does not default-export a stack definition .*, got \{"hello":1\}$/,
  ],
  [
    'synth: a program that does not compile',
    ['synth', 'syntax.ts'],
    'project',
    1,
    /^synth: syntax\.ts: cannot be compiled: .*syntax\.ts:1:11: Expression expected$/,
  ],
  [
    'synth: a program that throws',
    ['synth', 'throws.ts'],
    'project',
    1,
    /^synth: throws\.ts: TypeError: boom \(at throws\.ts:2:9\); KSTACK_DEBUG=1 prints the stack trace$/,
  ],
  [
    'synth: a missing import',
    ['synth', 'missing-import.ts'],
    'project',
    1,
    /^synth: missing-import\.ts: Cannot find module 'no-such-package-kstack' \(imported by missing-import\.ts\); install it \(npm install\) or fix the import$/,
  ],
  [
    'synth: environments not named as their keys',
    ['synth', 'bad-env.ts'],
    'project',
    1,
    /^synth: stack: 'environments\.dev\.name' must be 'dev' \(the key it is listed under\), got "prod"$/,
  ],
  ['synth: a bad prop in the composition', ['synth', 'bad-prop.ts'], 'project', 1, /^synth: dev\/api: 'replicas' must be >= 1, got 0$/],
  [
    'synth: a gate error',
    ['synth', 'gate-fails.ts', '--env', 'prod', '--out', 'gate-out'],
    'project',
    1,
    /^error policy\/image-tag \[prod\] Deployment\/shop-prod\/api/,
  ],
  ['validate: no PATH', ['validate'], 'root', 2, /^validate: missing PATH$/],
  ['validate: a value for --json', ['validate', '.', '--json=yes'], 'root', 2, /^validate: --json takes no value, got "yes"$/],
  [
    'validate: a bad --env',
    ['validate', '.', '--env', 'Prod!'],
    'root',
    2,
    /^validate: --env must be an environment name such as 'dev' or 'prod', got "Prod!"$/,
  ],
  ['validate: a missing PATH', ['validate', 'nope'], 'project', 2, /^validate: cannot read 'nope': no such file or folder/],
  [
    'compose: a bad --publish',
    ['compose', '--publish', 'localhost'],
    'root',
    2,
    /^compose: --publish must be PORT or HOST:PORT .*, got "localhost"$/,
  ],
  ['compose: a port out of range', ['compose', '--publish', '127.0.0.1:70000'], 'root', 2, /^compose: --publish must be PORT or HOST:PORT/],
  [
    'compose: an unknown environment',
    ['compose', '--env', 'qa'],
    'root',
    2,
    /^compose: unknown environment "qa" in stacks\/index\.ts; known: dev, staging, prod$/,
  ],
  ['compose: --out naming a file', ['compose', '--out', 'package.json'], 'root', 2, /^compose: --out names a file, not a folder/],
  ['diff: one side only', ['diff', 'dev'], 'root', 2, /^diff: missing A B \[ENTRY\]$/],
  ['diff: four arguments', ['diff', 'a', 'b', 'c', 'd'], 'root', 2, /^diff: unexpected argument "d"$/],
  [
    'diff: neither a folder nor an environment',
    ['diff', 'qa', 'prod'],
    'root',
    2,
    /^diff: "qa" is neither a folder nor an environment of stacks\/index\.ts \(dev, staging, prod\)$/,
  ],
  ['diff: a missing folder', ['diff', './nope', 'prod'], 'root', 2, /^diff: cannot read '\.\/nope': no such file or folder/],
  [
    'diff: no program for an environment',
    ['diff', 'dev', 'prod'],
    'no-entry',
    2,
    /^diff: "dev" is neither a folder nor an environment: no stack program found/,
  ],
  ['graph: an unknown format', ['graph', '--format', 'svg'], 'root', 2, /^graph: --format must be one of mermaid, dot, got "svg"$/],
  [
    'graph: --out naming a folder',
    ['graph', '--out', 'lib'],
    'root',
    2,
    /^graph: --out names a folder, not a file, got "lib"; choose a file$/,
  ],
  ['graph: --out under /sys', ['graph', '--out', '/sys/kstack.mmd'], 'root', 2, /^graph: --out's folder must not be under \/sys/],
  ['init: no DIR', ['init'], 'root', 2, /^init: missing DIR$/],
  [
    'init: a non-empty DIR',
    ['init', nonEmpty, '--kstack', '1.0.0'],
    'root',
    2,
    /^init: DIR ".*non-empty" is not empty; choose a new or empty folder \(nothing was written\)$/,
  ],
  ['init: DIR is a file', ['init', aFile, '--kstack', '1.0.0'], 'root', 2, /^init: DIR names a file, not a folder/],
  [
    'init: a bad --name',
    ['init', path.join(work, 'x1'), '--name', 'My App', '--kstack', '1.0.0'],
    'root',
    2,
    /^init: --name must start with a letter, hold lowercase letters, digits and '-' and be at most 40 characters, got "My App"$/,
  ],
  [
    'init: a folder name that is no app name',
    ['init', path.join(work, 'My_App'), '--kstack', '1.0.0'],
    'root',
    2,
    /^init: the folder's name "My_App" is not an app name .*; give --name$/,
  ],
  [
    'init: a --kstack with a space',
    ['init', path.join(work, 'x2'), '--kstack', 'a b'],
    'root',
    2,
    /^init: --kstack must be a tarball, a git URL or a version/,
  ],
  [
    'init: a missing tarball',
    ['init', path.join(work, 'x3'), '--kstack', './kstack-9.9.9.tgz'],
    'root',
    2,
    /^init: --kstack "\.\/kstack-9\.9\.9\.tgz" names ".*kstack-9\.9\.9\.tgz", which does not exist$/,
  ],
  [
    'init: from a checkout without --kstack',
    ['init', path.join(work, 'x4')],
    'root',
    2,
    /^init: this kstack runs from a checkout, .* give --kstack with a tarball \(npm pack in the checkout\) or a git URL$/,
  ],
  ['init: DIR under /proc', ['init', '/proc/kstack-app', '--kstack', '1.0.0'], 'root', 2, /^init: DIR must not be under \/proc/],
];

describe('the command-line table: exit code, one line, no stack trace, no hang', () => {
  test.concurrent.each(TABLE)('fails when %s (%j): its exit code, one line', async (_what, argv, where, status, firstLine) => {
    const cwd = { project, root: ROOT, 'no-entry': noEntry }[where];
    const r = await kstack(argv, { cwd }, 60_000);
    expect({ status: r.status, first: r.stderr.split('\n')[0] }).toEqual({ status, first: expect.stringMatching(firstLine) });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    // A usage error is followed by the command's usage; nothing else is printed after the one line.
    if (status === 2 && /unknown flag|needs a value|must be one of|missing|unexpected|takes no value/.test(r.stderr))
      expect(r.stderr.split('\n')[1]).toMatch(/^usage: kstack /);
  });

  test('GIVEN a gate error THEN nothing is written and the last line says so', async () => {
    const r = await kstack(['synth', 'gate-fails.ts', '--out', 'gate-out-2'], { cwd: project });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toBe('synth: validation gate failed with 1 error(s); nothing was written');
    expect(fs.existsSync(path.join(project, 'gate-out-2'))).toBe(false);
  });

  test('GIVEN a package.json that is not JSON THEN a usage error naming it', async () => {
    const r = await kstack(['synth'], { cwd: badPackage });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^synth: cannot read ".*bad-package\/package\.json": .*; fix the file$/);
  });

  test('GIVEN KSTACK_DEBUG=1 and a program that throws THEN the stack trace is printed', async () => {
    const r = await kstack(['synth', 'throws.ts'], { cwd: project, env: { KSTACK_DEBUG: '1' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/TypeError: boom\n\s+at /);
  });

  test('GIVEN a program with no ENTRY given THEN package.json "kstack.entry" is used', async () => {
    const r = await kstack(['synth', '--env', 'dev', '--target', 'k8s', '--out', 'default-entry'], { cwd: project });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toBe('dev: 10 objects -> default-entry/dev\n');
  });
});

describe('bin/kstack.js, the installed command', () => {
  test('GIVEN a copy of kstack without its build (dist-lib/ missing) THEN one line on how to reinstall, exit 2', async () => {
    const pkg = path.join(work, 'unbuilt', 'node_modules', 'kstack');
    fs.mkdirSync(path.join(pkg, 'bin'), { recursive: true });
    fs.copyFileSync(KSTACK, path.join(pkg, 'bin', 'kstack.js'));
    fs.writeFileSync(path.join(pkg, 'package.json'), '{"name": "kstack"}');
    const child = await new Promise<Run>((resolve) => {
      const c = spawn(process.execPath, [path.join(pkg, 'bin', 'kstack.js'), 'synth'], { cwd: path.join(work, 'unbuilt') });
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('close', (status) => resolve({ status, stdout: '', stderr }));
    });
    expect(child.status).toBe(2);
    expect(child.stderr).toMatch(/^kstack: this copy of kstack \(.*\) was installed without its build \(dist-lib\/ is missing\): .*\n$/);
  });

  test("GIVEN a project with its own kstack WHEN another copy's kstack runs in it THEN it hands over to the project's copy", async () => {
    const dir = path.join(work, 'has-own', 'node_modules', 'kstack');
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name": "kstack"}');
    fs.writeFileSync(path.join(dir, 'bin', 'kstack.js'), "process.stdout.write('the project copy ' + process.argv.slice(2).join(' '));\n");
    const r = await kstack(['--version'], { cwd: path.join(work, 'has-own') });
    expect(r).toMatchObject({ status: 0, stdout: 'the project copy --version' });
  });
});

describe('the reference stack, synthesized by kstack synth', () => {
  const out = path.join(work, 'dist');
  let synth: Run;
  beforeAll(async () => {
    synth = await kstack(['synth', '--out', out]);
  }, 120_000);

  test('THEN every manifest file starts with the gate header of its environment', () => {
    expect(synth.status).toBe(0);
    for (const env of ['dev', 'staging', 'prod']) {
      const files = fs.readdirSync(path.join(out, env), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.k8s.yaml'));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const lines = fs.readFileSync(path.join(out, env, file), 'utf8').split('\n');
        expect(lines[0]).toMatch(/^# Written by kstack: /);
        expect(JSON.parse(lines[1].replace('# kstack.dev/gate: ', ''))).toMatchObject({ env });
        expect(lines[2]).toMatch(/^apiVersion: /);
      }
    }
  });

  test.concurrent.each(['dev', 'staging', 'prod'])(
    'WHEN kstack validate dist/%s runs with no flags THEN no error (warnings allowed), in that environment',
    async (env) => {
      const r = await kstack(['validate', path.join(out, env)]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(
        new RegExp(`^0 error\\(s\\), \\d+ warning\\(s\\) in \\d+ object\\(s\\) .* \\[env ${env}, from the kstack header\\]$`, 'm'),
      );
      expect(r.status).toBe(0);
    },
  );

  test('WHEN two environments are compared THEN exit 1, changes with their field paths, matched across namespaces', async () => {
    const r = await kstack(['diff', path.join(out, 'staging'), path.join(out, 'prod')]);
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      `--- ${path.join(out, 'staging')} (env staging)`,
      `+++ ${path.join(out, 'prod')} (env prod)`,
    ]);
    expect(r.stdout).toMatch(/^~ HorizontalPodAutoscaler\/kstack-staging\/api\n(?: {4}.*\n)* {4}spec\.minReplicas: 2 -> 3$/m);
    expect(r.stdout).toMatch(/^- StatefulSet\/kstack-staging\/db$/m);
    expect(r.stdout).toMatch(/^\d+ added, \d+ removed, \d+ changed$/m);
  });

  test('WHEN a folder is compared with its own environment THEN no differences, exit 0', async () => {
    const r = await kstack(['diff', path.join(out, 'prod'), 'prod', '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      acrossNamespaces: false,
      added: [],
      removed: [],
      changed: [],
      b: { label: 'environment prod of stacks/index.ts', env: 'prod' },
    });
    expect(json.a.objects).toBe(json.b.objects);
  });

  test('WHEN the dev graph is drawn THEN Mermaid with the routes and the connections; DOT and --out give the same picture', async () => {
    const mermaid = await kstack(['graph', '--env', 'dev']);
    expect(mermaid.status).toBe(0);
    expect(mermaid.stdout).toMatch(/^flowchart LR\n/);
    expect(mermaid.stdout).toContain('r_app -- "/api (prefix stripped)" --> w_api');
    expect(mermaid.stdout).toContain('w_api -- ":5432" --> w_db');
    const file = path.join(work, 'graph', 'dev.dot');
    fs.mkdirSync(path.dirname(file));
    const dot = await kstack(['graph', '--env', 'dev', '--format', 'dot', '--out', file]);
    expect(dot).toMatchObject({ status: 0, stdout: '' });
    const picture = fs.readFileSync(file, 'utf8');
    expect(picture).toMatch(/^digraph kstack \{\n[\s\S]*\n\}\n$/);
    expect(picture).toContain('  w_api -> w_db [label=":5432"];\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['dev.dot']);
  });

  test('WHEN compose runs with --publish and --backups THEN the project publishes there and has the backup services', async () => {
    const dir = path.join(work, 'compose-staging');
    const r = await kstack(['compose', '--env', 'staging', '--out', dir, '--publish', '127.0.0.1:9090', '--backups']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe(
      `staging: ${Object.keys(parse(fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8')).services).length} compose services -> ${path.relative(ROOT, dir)}`,
    );
    const text = fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8');
    expect(text).toContain('# Regenerate with: kstack compose stacks/index.ts --env staging --backups --publish 127.0.0.1:9090');
    const compose = parse(text);
    expect(compose.services.nginx.ports).toEqual(['127.0.0.1:9090:8080']);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['db-backup', 'db-restore']));
  });
});

describe('diff of Secrets', () => {
  test('GIVEN two folders whose Secret values differ THEN the keys that changed are named, never the values', async () => {
    const secret = (password: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\nstringData:\n  password: ${password}\n  user: app\n`;
    for (const [dir, pw] of [
      ['before', 'first-Secret-value'],
      ['after', 'second-Secret-value'],
    ]) {
      fs.mkdirSync(path.join(work, 'secrets', dir), { recursive: true });
      fs.writeFileSync(path.join(work, 'secrets', dir, 's.yaml'), secret(pw));
    }
    const r = await kstack(['diff', './before', './after'], { cwd: path.join(work, 'secrets') });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('~ Secret/shop/db\n    stringData.password: (secret) -> (secret)\n');
    expect(r.stdout + r.stderr).not.toMatch(/Secret-value/);
  });
});

describe('synth output', () => {
  test('GIVEN the small program WHEN synthesized twice THEN byte-identical files, each parsing to the objects with the header first', async () => {
    const a = await kstack(['synth', '--out', 'twice-a'], { cwd: project });
    const b = await kstack(['synth', '--out', 'twice-b'], { cwd: project });
    expect([a.status, b.status]).toEqual([0, 0]);
    for (const file of ['dev/app.k8s.yaml', 'prod/app.k8s.yaml', 'dev/compose/docker-compose.yml']) {
      expect(fs.readFileSync(path.join(project, 'twice-a', file), 'utf8')).toBe(
        fs.readFileSync(path.join(project, 'twice-b', file), 'utf8'),
      );
    }
    const docs = parseAllDocuments(fs.readFileSync(path.join(project, 'twice-a', 'prod', 'app.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(['Namespace', 'Deployment', 'PodDisruptionBudget']));
  });

  test('GIVEN CDK8S_OUTDIR (cdk8s synth) and no --out THEN the output goes there', async () => {
    const r = await kstack(['synth', '--env', 'prod', '--target', 'k8s'], { cwd: project, env: { CDK8S_OUTDIR: 'from-cdk8s' } });
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(project, 'from-cdk8s', 'prod', 'app.k8s.yaml'))).toBe(true);
  });
});
