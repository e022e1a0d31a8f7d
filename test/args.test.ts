import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkOutDir, CliUsageError, CommandSpec, FlagSpecs, formatUsage, parseArgs } from '../bin/internal/args';
import { KstackIoError, KstackUsageError } from '../lib';
import { thrownBy } from './util';

const ROOT = path.join(__dirname, '..');
// Made here, not in a hook: the tables name paths in them. Removed even when a filter skips a block.
const OUTDIR_BASE = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-outdir-')));
const CLI_BASE = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-cli-')));
afterAll(() => [OUTDIR_BASE, CLI_BASE].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const SPEC = {
  command: 'kstack demo',
  summary: 'A demo command.',
  flags: {
    env: { type: 'enum', values: ['dev', 'staging', 'prod'], multiple: true, help: 'environments' },
    target: { type: 'enum', values: ['k8s', 'compose'], default: 'k8s', help: 'what to write' },
    out: { type: 'string', metavar: 'DIR', default: 'dist', help: 'output folder' },
    name: { type: 'string', help: 'a name' },
    external: { type: 'list', metavar: 'KIND/NAME', help: 'objects that exist elsewhere' },
    json: { type: 'boolean', help: 'JSON output' },
  },
  positionals: { metavar: 'DIR', help: 'a folder', max: 1 },
} as const satisfies CommandSpec<FlagSpecs>;

describe('parseArgs', () => {
  test('GIVEN no arguments THEN every flag has its default', () => {
    expect(parseArgs([], SPEC)).toEqual({
      help: false,
      flags: { env: [], target: 'k8s', out: 'dist', name: undefined, external: [], json: false },
      positionals: [],
    });
  });

  test.each([
    [['--env', 'dev', '--env=prod,staging', '--env', 'dev'], { env: ['dev', 'prod', 'staging'] }],
    [['--out=a=b'], { out: 'a=b' }],
    [['--out', '-'], { out: '-' }],
    [['--out=-x'], { out: '-x' }],
    [['--external', 'Secret/a,ConfigMap/b', '--external=Secret/c'], { external: ['Secret/a', 'ConfigMap/b', 'Secret/c'] }],
    [['--json', '--target', 'compose'], { json: true, target: 'compose' }],
    [['--name', 'x y'], { name: 'x y' }],
  ])('GIVEN %j THEN the flags are %j', (argv, expected) => {
    expect(parseArgs(argv, SPEC).flags).toMatchObject(expected);
  });

  test('GIVEN a positional and -- THEN what follows -- is positional', () => {
    expect(parseArgs(['--json', '--', '--weird'], SPEC).positionals).toEqual(['--weird']);
    expect(parseArgs(['dir'], SPEC).positionals).toEqual(['dir']);
  });

  test('GIVEN --help or -h THEN help is asked for, and what follows is not parsed', () => {
    expect(parseArgs(['-h'], SPEC).help).toBe(true);
    expect(parseArgs(['--env', 'dev', '--help', '--bogus'], SPEC).help).toBe(true);
  });

  test.each([
    [['--bogus'], 'demo: unknown flag "--bogus"'],
    [['--bogus=1'], 'demo: unknown flag "--bogus"'],
    [['-x'], 'demo: unknown flag "-x"'],
    [['--__proto__', 'x'], 'demo: unknown flag "--__proto__"'],
    [['--out'], 'demo: --out needs a value (--out DIR)'],
    [['--out', '--json'], 'demo: --out needs a value (--out DIR)'],
    [['--out='], 'demo: --out needs a non-empty value, got ""'],
    [['--out', ' '], 'demo: --out needs a non-empty value, got " "'],
    [['--out', 'a', '--out', 'b'], 'demo: --out is given more than once'],
    [['--env', 'qa'], 'demo: --env must be one of dev, staging, prod, got "qa"'],
    [['--env', 'dev,'], 'demo: --env needs a non-empty value (no empty items), got "dev,"'],
    [['--target', 'k8s', '--target', 'compose'], 'demo: --target is given more than once'],
    [['--target', 'k8s,compose'], 'demo: --target must be one of k8s, compose, got "k8s,compose"'],
    [['--json=yes'], 'demo: --json takes no value, got "yes"'],
    [['a', 'b'], 'demo: unexpected argument "b"'],
    [['--external', ','], 'demo: --external needs a non-empty value (no empty items), got ","'],
  ])('fails when given %j: %s', (argv, message) => {
    const err = thrownBy(() => parseArgs(argv, SPEC));
    expect(err).toBeInstanceOf(CliUsageError);
    expect(err).toBeInstanceOf(KstackUsageError);
    expect(err.message).toBe(message);
    expect((err as CliUsageError).usage).toBe(formatUsage(SPEC));
  });

  test('fails when a required positional is missing', () => {
    const spec = { ...SPEC, positionals: { metavar: 'DIR', help: 'a folder', min: 1, max: 1 } };
    expect(thrownBy(() => parseArgs(['--json'], spec)).message).toBe('demo: missing DIR');
  });

  test('GIVEN a spec THEN the usage lists every flag with its values and default', () => {
    expect(formatUsage(SPEC)).toBe(
      [
        'usage: kstack demo [DIR] [--env dev|staging|prod[,...]]... [--target k8s|compose] [--out DIR] [--name VALUE] [--external KIND/NAME[,...]]... [--json]',
        'A demo command.',
        '  DIR                           a folder',
        '  --env dev|staging|prod[,...]  environments',
        '  --target k8s|compose          what to write (default: k8s)',
        '  --out DIR                     output folder (default: dist)',
        '  --name VALUE                  a name',
        '  --external KIND/NAME[,...]    objects that exist elsewhere',
        '  --json                        JSON output',
        '  -h, --help                    print this help',
      ].join('\n'),
    );
  });
});

describe('checkOutDir', () => {
  const base = OUTDIR_BASE;
  const file = path.join(base, 'file.yaml');
  beforeAll(() => {
    fs.writeFileSync(file, 'x');
    fs.mkdirSync(path.join(base, 'real'));
    fs.symlinkSync(path.join(base, 'real'), path.join(base, 'link'));
    fs.symlinkSync('/proc', path.join(base, 'to-proc'));
    fs.symlinkSync('/sys/kernel', path.join(base, 'to-sys'));
    fs.symlinkSync(path.join(base, 'missing'), path.join(base, 'dangling'));
    fs.symlinkSync(path.join(base, 'loop'), path.join(base, 'loop'));
  });

  test.each([
    ['real', 'real'],
    ['real/new/deeper', 'real/new/deeper'],
    ['link/sub', 'real/sub'],
    ['./real/../real', 'real'],
  ])('GIVEN %s THEN the output goes to %s (links resolved)', (out, expected) => {
    expect(checkOutDir(out, { cwd: base })).toBe(path.join(base, expected));
  });

  test.each([
    ['', KstackUsageError, '--out must name a folder, got ""'],
    ['  ', KstackUsageError, '--out must name a folder, got "  "'],
    ['/', KstackUsageError, '--out must not be the file system root, got "/"'],
    ['/proc', KstackUsageError, '--out must not be under /proc (a kernel file system), got "/proc"'],
    ['/proc/x', KstackUsageError, '--out must not be under /proc (a kernel file system), got "/proc/x"'],
    ['/sys/x/y', KstackUsageError, '--out must not be under /sys (a kernel file system), got "/sys/x/y"'],
    ['to-proc/x', KstackUsageError, '--out must not be under /proc (a kernel file system), got "to-proc/x" ("/proc/x")'],
    ['to-sys', KstackUsageError, '--out must not be under /sys (a kernel file system), got "to-sys" ("/sys/kernel")'],
    ['file.yaml', KstackUsageError, '--out names a file, not a folder, got "file.yaml"; choose a folder'],
    [
      'real/.kstack-output/x',
      KstackUsageError,
      '--out must not be inside kstack\'s state folder .kstack-output, got "real/.kstack-output/x"',
    ],
    [
      'file.yaml/sub',
      KstackUsageError,
      `--out is below "${path.join(base, 'file.yaml')}", which is a file, not a folder, got "file.yaml/sub"; choose a folder`,
    ],
    ['dangling/x', KstackIoError, `cannot resolve "${path.join(base, 'dangling')}": no such file or folder (ENOENT); check the path`],
    [
      'loop/x',
      KstackIoError,
      `cannot inspect "${path.join(base, 'loop/x')}": too many symbolic links (ELOOP); check the symbolic links along the path`,
    ],
  ])('fails when --out is %j', (out, type, message) => {
    const err = thrownBy(() => checkOutDir(out, { cwd: base }));
    expect(err).toBeInstanceOf(type);
    expect(err.message).toBe(message);
  });
});

// The example command (test/fixtures/cli-example.ts) shows how a kstack command uses the pieces.
// Each case runs in its own process with a timeout: never a stack trace, never a hang.
describe('a command built on the pieces', () => {
  const base = CLI_BASE;
  const readOnly = path.join(base, 'read-only');
  const asRoot = process.getuid?.() === 0;
  beforeAll(() => {
    fs.chmodSync(base, 0o755);
    fs.writeFileSync(path.join(base, 'file'), 'x');
    fs.mkdirSync(readOnly, { mode: 0o555 });
    fs.chmodSync(readOnly, 0o555);
  });

  function run(argv: string[], options: { nobody?: boolean } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
    // As root a read-only folder is writable: the read-only case runs as nobody.
    const ids = options.nobody && asRoot ? { uid: 65534, gid: 65534 } : {};
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/run.js'), path.join(ROOT, 'test/fixtures/cli-example.ts'), ...argv], {
      cwd: base,
      env: { ...process.env, KSTACK_VENDOR: '0' },
      ...ids,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    return new Promise((resolve) =>
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      }),
    );
  }

  const USAGE_LINE = 'usage: kstack example [--env dev|staging|prod[,...]]...';
  const cases: [string, string[], number, RegExp][] = [
    ['writes every environment', ['--out', 'out'], 0, /^$/],
    ['prints the usage for --help', ['--help'], 0, /^$/],
    ['rejects an unknown flag with the usage', ['--bogus'], 2, /^example: unknown flag "--bogus"\nusage: /],
    ['rejects an unknown environment', ['--env', 'qa'], 2, /^example: --env must be one of dev, staging, prod, got "qa"\nusage: /],
    ['rejects a flag without its value', ['--out'], 2, /^example: --out needs a value \(--out DIR\)\nusage: /],
    [
      'rejects a value the command checks',
      ['--units', 'many'],
      2,
      /^example: --units must be a whole number from 1 to 100, got "many"\nusage: /,
    ],
    ['rejects an empty --out', ['--out', ''], 2, /^example: --out needs a non-empty value, got ""\nusage: /],
    ['rejects --out /', ['--out', '/'], 2, /^example: --out must not be the file system root, got "\/"\nusage: /],
    [
      'rejects --out under /proc',
      ['--out', '/proc/x'],
      2,
      /^example: --out must not be under \/proc \(a kernel file system\), got "\/proc\/x"\nusage: /,
    ],
    ['rejects --out under /sys', ['--out=/sys/fs/x'], 2, /^example: --out must not be under \/sys/],
    [
      'rejects --out naming a file',
      ['--out', 'file'],
      2,
      /^example: --out names a file, not a folder, got "file"; choose a folder\nusage: /,
    ],
    ['rejects --out below a file', ['--out', 'file/sub'], 2, /^example: --out is below ".*\/file", which is a file, not a folder/],
    ['rejects a stray argument', ['out'], 2, /^example: unexpected argument "out"\nusage: /],
    [
      'reports a stale output as a finding',
      ['--out', 'elsewhere', '--check'],
      1,
      /^example: .*elsewhere\/dev is not up to date; run without --check\n/,
    ],
  ];

  test.concurrent.each(cases)('GIVEN argv that %s THEN one line, exit code, no stack trace', async (_what, argv, status, stderr) => {
    const r = await run(argv);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status, stderr: expect.stringMatching(stderr) });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    if (argv[0] === '--help') expect(r.stdout.startsWith(USAGE_LINE)).toBe(true);
  });

  test('GIVEN a written output THEN --check finds it up to date, and a second write changes nothing', async () => {
    expect((await run(['--out', 'same'])).status).toBe(0);
    expect(await run(['--out', 'same', '--check'])).toMatchObject({ status: 0, stderr: '' });
    expect(
      (await run(['--out', 'same', '--json'])).stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).changed),
    ).toEqual([[], [], []]);
  });

  test('fails when --out is in a folder it cannot write: one line naming the folder, exit 2', async () => {
    const r = await run(['--out', path.join(readOnly, 'out')], { nobody: true });
    expect(r.stderr).toBe(
      `example: cannot write into "${readOnly}": permission denied (EACCES); check its permissions and those of its folders, or choose another path\n`,
    );
    expect(r.status).toBe(2);
  });
});

describe('runCli', () => {
  /** Runs `runCli(SPEC, <main>)` in a child process (TypeScript through bin/register.js). */
  function runMain(main: string): { status: number | null; stderr: string } {
    const script = `const { runCli } = require('./bin/internal/args'); const lib = require('./lib/errors');
      runCli({ command: 'kstack t', summary: 's', flags: {} }, ${main}, []);`;
    const r = spawnSync(process.execPath, ['-r', './bin/register.js', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: r.status, stderr: r.stderr };
  }

  test.each([
    ['returns nothing', 0, '() => {}', ''],
    ['returns 1 (findings)', 1, '() => 1', ''],
    ['resolves to 1', 1, 'async () => 1', ''],
    [
      'throws a KstackError',
      1,
      "() => { throw new lib.KstackPropError('app/api', 'replicas', \"app/api: 'replicas' must be >= 1, got 0\"); }",
      "t: app/api: 'replicas' must be >= 1, got 0\n",
    ],
    [
      'rejects with a KstackIoError',
      2,
      "async () => { throw new lib.KstackIoError('cannot write \"x\": no', 'x'); }",
      't: cannot write "x": no\n',
    ],
    [
      'lets a system error through',
      2,
      "() => require('fs').readFileSync('/nonexistent/kstack')",
      't: cannot access "/nonexistent/kstack": no such file or folder (ENOENT); check the path\n',
    ],
    ['never settles', 1, '() => new Promise(() => {})', 't: ended before finishing (an internal error); nothing may have been written\n'],
  ] as [string, number, string, string][])('GIVEN a command that %s THEN exit %i and its one line', (_what, status, main, stderr) => {
    expect(runMain(main)).toEqual({ status, stderr });
  });
});
