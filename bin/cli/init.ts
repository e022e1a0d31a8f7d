/**
 * `kstack init DIR [--name NAME] [--kstack SPEC]`: scaffolds a project that uses kstack from the
 * templates in templates/init/ (shipped with the package): package.json depending on kstack as
 * SPEC, tsconfig, typed dev/staging/prod environments, a composition, cdk8s.yaml, a Pulumi program
 * with its stack files, a jest test, a README, .gitignore. The project appears whole or not at all:
 * it is written beside DIR and renamed into place. A DIR that exists and is not empty is refused.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { KstackUsageError } from '../../lib/errors';
import { showValue } from '../../lib/internal/format';
import { io, makeFolders, statOrNone, writeFileDurably } from '../../lib/internal/io';
import { processExists } from '../../lib/internal/output-lock';
import { PACKAGE_ROOT, projectModules } from '../cache';
import { checkOutDir, CommandSpec, FlagSpecs, runCli, usageError } from '../internal/args';
import { COMMANDS } from './commands';
import { displayPath } from './outputs';

const SPEC = {
  command: 'kstack init',
  summary: COMMANDS.init.summary,
  positionals: { metavar: 'DIR', help: 'the new project folder (missing or empty)', min: 1, max: 1 },
  flags: {
    name: {
      type: 'string',
      metavar: 'NAME',
      help: "the app's name: package, namespaces <name>-<env>, Pulumi project (default: DIR's name)",
    },
    kstack: {
      type: 'string',
      metavar: 'SPEC',
      help: 'how the project depends on kstack: a tarball (npm pack), a git URL, or a version (default: where this kstack was installed from)',
    },
  },
} as const satisfies CommandSpec<FlagSpecs>;

const TEMPLATES = path.join(PACKAGE_ROOT, 'templates', 'init');
// npm never packs a file named .gitignore: the template has it without the dot.
const RENAMED: Readonly<Record<string, string>> = { gitignore: '.gitignore' };
const APP_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAME = 40;

/** The template's files, relative path -> content, with NAME and the kstack dependency filled in. */
export function scaffoldFiles(name: string, kstackSpec: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(TEMPLATES, rel), { withFileTypes: true })) {
      const from = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(from);
      else {
        const text = fs.readFileSync(path.join(TEMPLATES, from), 'utf8');
        const to = rel ? from : (RENAMED[entry.name] ?? entry.name);
        files.set(to, text.replace(/__NAME__/g, name).replace(/__KSTACK__/g, kstackSpec));
      }
    }
  };
  walk('');
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function checkName(name: string, given: boolean): string {
  if (APP_NAME.test(name) && name.length <= MAX_NAME) return name;
  const what = `must start with a letter, hold lowercase letters, digits and '-' and be at most ${MAX_NAME} characters`;
  throw usageError(
    SPEC,
    given ? `--name ${what}, got ${showValue(name)}` : `the folder's name ${showValue(name)} is not an app name (it ${what}); give --name`,
  );
}

/** A file spec (a tarball or folder given as a path, or file:PATH) as the new project reaches it: relative to `dir`. */
function rebaseFileSpec(spec: string, base: string, dir: string): string {
  const target = path.resolve(base, spec.replace(/^file:/, ''));
  if (!statOrNone(target, true)) throw usageError(SPEC, `--kstack ${showValue(spec)} names ${showValue(target)}, which does not exist`);
  return `file:${path.relative(dir, target).split(path.sep).join('/')}`;
}

function checkSpec(spec: string, dir: string): string {
  if (spec.trim() === '' || /[\s"'\\]/.test(spec))
    throw usageError(SPEC, `--kstack must be a tarball, a git URL or a version, without spaces or quotes, got ${showValue(spec)}`);
  const isPath = spec.startsWith('file:') || spec.startsWith('.') || spec.startsWith('/') || spec.endsWith('.tgz');
  return isPath && !/^[a-z+]+:\/\//.test(spec) ? rebaseFileSpec(spec, process.cwd(), dir) : spec;
}

/**
 * How the running kstack was installed, as the new project should depend on it: what npm recorded
 * for it (a tarball, a git URL) in the lockfile of the project it is installed in, else its version.
 */
function installedSpec(dir: string): string {
  const modules = projectModules(PACKAGE_ROOT);
  if (!PACKAGE_ROOT.split(path.sep).includes('node_modules')) {
    throw usageError(
      SPEC,
      'this kstack runs from a checkout, which a project cannot depend on as it is: give --kstack with a tarball (npm pack in the checkout) or a git URL',
    );
  }
  const project = path.dirname(modules);
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(modules, '.package-lock.json'), 'utf8')) as {
      packages?: Record<string, { resolved?: string; version?: string }>;
    };
    const resolved = lock.packages?.[path.relative(project, PACKAGE_ROOT).split(path.sep).join('/')]?.resolved;
    if (resolved?.startsWith('file:')) return rebaseFileSpec(resolved, project, dir);
    if (resolved && !resolved.startsWith('https://registry.')) return resolved;
  } catch {
    // no lockfile: the version below
  }
  return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Removes the staging folders of killed runs beside `dir`. */
function removeStaleStaging(parent: string, base: string): void {
  const prefix = `.${base}.kstack-init-`;
  for (const name of fs.readdirSync(parent)) {
    const pid = name.startsWith(prefix) ? Number(name.slice(prefix.length).split('-')[0]) : NaN;
    if (Number.isSafeInteger(pid) && pid > 0 && !processExists(pid)) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/** Writes the files beside `dir`, then renames the folder into place (over `dir` when it is an empty folder). */
function writeProject(dir: string, files: ReadonlyMap<string, string>): void {
  const parent = path.dirname(dir);
  makeFolders(parent);
  removeStaleStaging(parent, path.basename(dir));
  const staging = path.join(parent, `.${path.basename(dir)}.kstack-init-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    for (const [rel, content] of files) {
      const file = path.join(staging, rel);
      makeFolders(path.dirname(file));
      writeFileDurably(file, content, true);
    }
    io(dir, 'create', () => fs.renameSync(staging, dir));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function checkDir(given: string): string {
  const dir = checkOutDir(given, { flag: 'DIR' });
  const stat = statOrNone(dir, true);
  if (stat && !stat.isDirectory()) throw new KstackUsageError(`DIR ${showValue(given)} is a file; choose a new or empty folder`);
  if (stat && io(dir, 'list', () => fs.readdirSync(dir)).length > 0)
    throw new KstackUsageError(`DIR ${showValue(given)} is not empty; choose a new or empty folder (nothing was written)`);
  return dir;
}

export function run(argv: readonly string[]): void {
  runCli(
    SPEC,
    ({ flags, positionals: [given] }) => {
      const dir = checkDir(given);
      const name = checkName(flags.name ?? path.basename(dir), flags.name !== undefined);
      const spec = flags.kstack !== undefined ? checkSpec(flags.kstack, dir) : installedSpec(dir);
      const files = scaffoldFiles(name, spec);
      writeProject(dir, files);
      const shown = displayPath(dir);
      process.stdout.write(
        `created ${shown}: ${files.size} files, app ${name}, kstack from ${spec}\n` +
          `next:\n  cd ${shown}\n  npm install\n  npm run synth\n  npm test\n`,
      );
    },
    argv,
  );
}
