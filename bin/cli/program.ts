/**
 * A user's stack program as the commands see it: where it is (ENTRY), what it default-exports
 * (a StackDefinition), its environments, synthesized and gated. Errors are one line: a missing or
 * wrong entry is a usage error (exit 2); a program that fails to compile, throws or fails the
 * gate is an error of the program (exit 1). KSTACK_DEBUG=1 keeps the stack trace of an exception.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  composeEnvironments,
  defineStack,
  EnvironmentProps,
  EnvironmentSynthesis,
  formatFinding,
  gateErrors,
  KstackError,
  KstackUsageError,
  StackDefinition,
  synthesizeEnvironment,
} from '../../lib';
import { showValue } from '../../lib/internal/format';
import { statOrNone } from '../../lib/internal/io';
import { openSchemaCache } from '../internal/schema-cache';
import { displayPath } from './outputs';
import { sourcePosition } from '../register';

/** A loaded stack program. */
export interface StackProgram {
  readonly definition: StackDefinition;
  /** The entry file, absolute. */
  readonly entry: string;
  /** The entry as messages show it: relative to the working folder. */
  readonly display: string;
  /** The folder of the nearest package.json above the entry (else the entry's folder): `buildRoot` is relative to it. */
  readonly projectRoot: string;
}

const DEFAULT_ENTRIES = ['main.ts', 'src/main.ts'];
const LOADABLE = /\.(ts|js|cjs)$/;

/** The folder of the nearest package.json at or above `dir`, with its content; undefined when there is none. */
function nearestPackage(dir: string): { dir: string; json: Record<string, unknown> } | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const file = path.join(at, 'package.json');
    if (statOrNone(file, true)?.isFile()) {
      let json: unknown;
      try {
        json = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new KstackUsageError(`cannot read ${showValue(file)}: ${(err as Error).message.split('\n')[0]}; fix the file`);
      }
      return { dir: at, json: typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {} };
    }
    if (path.dirname(at) === at) return undefined;
  }
}

/**
 * ENTRY: the argument; else the `kstack.entry` field of the nearest package.json (relative to
 * it); else main.ts or src/main.ts beside that package.json (or in the working folder).
 */
export function resolveEntry(arg: string | undefined, cwd = process.cwd()): string {
  if (arg !== undefined) return checkEntry(path.resolve(cwd, arg), `ENTRY ${showValue(arg)}`);
  const pkg = nearestPackage(cwd);
  const field = (pkg?.json.kstack as { entry?: unknown } | undefined)?.entry;
  if (field !== undefined) {
    const file = path.join(pkg!.dir, 'package.json');
    if (typeof field !== 'string' || field.trim() === '')
      throw new KstackUsageError(`"kstack.entry" in ${showValue(file)} must be a file name such as "src/main.ts", got ${showValue(field)}`);
    return checkEntry(path.resolve(pkg!.dir, field), `"kstack.entry" of ${showValue(file)} (${showValue(field)})`);
  }
  const base = pkg?.dir ?? cwd;
  const found = DEFAULT_ENTRIES.map((e) => path.join(base, e)).find((f) => statOrNone(f, true) !== undefined);
  if (found) return checkEntry(found, showValue(displayPath(found, cwd)));
  throw new KstackUsageError(
    `no stack program found: give ENTRY (e.g. src/main.ts), set "kstack": { "entry": "..." } in package.json, or create ${DEFAULT_ENTRIES.join(' or ')} in ${showValue(displayPath(base, cwd))}`,
  );
}

function checkEntry(file: string, what: string): string {
  const stat = statOrNone(file, true);
  if (stat === undefined) throw new KstackUsageError(`${what} does not exist; give the file that default-exports defineStack({...})`);
  if (!stat.isFile())
    throw new KstackUsageError(`${what} is not a regular file; give the .ts file that default-exports defineStack({...})`);
  if (!LOADABLE.test(file))
    throw new KstackUsageError(`${what} must be a .ts, .js or .cjs file (CommonJS), got ${showValue(path.basename(file))}`);
  return file;
}

function isStackShaped(value: unknown): value is StackDefinition {
  const v = value as { environments?: unknown; build?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.build === 'function' && typeof v.environments === 'object';
}

/** Loads ENTRY (resolved as {@link resolveEntry} says) and checks it default-exports a stack definition. */
export function loadProgram(arg: string | undefined, cwd = process.cwd()): StackProgram {
  const entry = resolveEntry(arg, cwd);
  const display = displayPath(entry, cwd);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the user's program is found at run time
  const exported = runProgram(display, () => require(entry) as Record<string, unknown>);
  const candidate = exported && typeof exported === 'object' && 'default' in exported ? exported.default : exported;
  if (exported?.__esModule && !('default' in exported)) {
    const names = Object.keys(exported);
    throw new KstackUsageError(
      `${display} has no default export (export default defineStack({ environments, build }))${names.length > 0 ? `; it exports ${names.join(', ')}` : ''}`,
    );
  }
  if (!isStackShaped(candidate)) {
    throw new KstackUsageError(
      `${display} does not default-export a stack definition (export default defineStack({ environments, build })), got ${showValue(candidate)}`,
    );
  }
  const definition = runProgram(display, () => defineStack(candidate));
  return { definition, entry, display, projectRoot: nearestPackage(path.dirname(entry))?.dir ?? path.dirname(entry) };
}

/** The environments named (all when none), in the definition's order; an unknown name is a usage error. */
export function selectEnvironments(program: StackProgram, names: readonly string[]): EnvironmentProps[] {
  const envs = program.definition.environments;
  const known = Object.keys(envs);
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(envs, name))
      throw new KstackUsageError(`unknown environment ${showValue(name)} in ${program.display}; known: ${known.join(', ')}`);
  }
  return known.filter((n) => names.length === 0 || names.includes(n)).map((n) => envs[n]);
}

/**
 * Builds, resolves and gates each environment (the schema-result cache on disk, bin/internal/schema-cache.ts).
 * Waived findings go to `waivers` (stdout, unless stdout carries the command's output), warnings
 * and errors to stderr; gate errors end the command with exit 1 before anything is written.
 */
export function synthesizeGated(
  program: StackProgram,
  envs: readonly EnvironmentProps[],
  waivers: NodeJS.WritableStream = process.stdout,
): EnvironmentSynthesis[] {
  const schemaCache = openSchemaCache();
  const results = envs.map((env) => runProgram(program.display, () => synthesizeEnvironment(program.definition, env, { schemaCache })));
  schemaCache?.save();
  const findings = results.flatMap((r) => r.findings);
  for (const f of findings) (f.waived ? waivers : process.stderr).write(`${formatFinding(f)}\n`);
  const errors = gateErrors(findings).length;
  if (errors > 0) throw new KstackError(`validation gate failed with ${errors} error(s); nothing was written`);
  return results;
}

/**
 * Runs the user's code: a KstackError passes through; anything else it throws becomes one line
 * naming the program, the error and where in the user's files it was thrown (exit 1).
 */
export function runProgram<T>(display: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof KstackError || process.env.KSTACK_DEBUG === '1') throw err;
    throw new KstackError(`${display}: ${describeFailure(err)}`);
  }
}

function describeFailure(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; name?: unknown; stack?: unknown; requireStack?: unknown };
  const message = String(e?.message ?? err).split('\n')[0];
  if (e?.code === 'KSTACK_TS_SYNTAX') return `cannot be compiled: ${message}`;
  if (e?.code === 'MODULE_NOT_FOUND') {
    const from =
      Array.isArray(e.requireStack) && typeof e.requireStack[0] === 'string' ? ` (imported by ${displayPath(e.requireStack[0])})` : '';
    return `${message}${from}; install it (npm install) or fix the import`;
  }
  const at = typeof e?.stack === 'string' ? userFrame(e.stack) : undefined;
  return `${typeof e?.name === 'string' ? e.name : 'Error'}: ${message}${at ? ` (at ${at})` : ''}; KSTACK_DEBUG=1 prints the stack trace`;
}

/** The first frame of a stack trace in the user's files (not Node's, not node_modules', not kstack's). */
function userFrame(stack: string): string | undefined {
  // kstack's library and command line: lib/ and bin/ of a checkout, or of dist-lib/ in the package.
  const own = ['lib', 'bin'].map((d) => path.resolve(__dirname, '..', '..', d) + path.sep);
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:\/|[A-Za-z]:\\)[^()]*?):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m || m[1].includes(`${path.sep}node_modules${path.sep}`) || own.some((d) => m[1].startsWith(d))) continue;
    // A .ts file ran as swc's output: its lines are mapped back to the source.
    const at = m[1].endsWith('.ts') ? sourcePosition(m[1], Number(m[2]), Number(m[3])) : undefined;
    return `${displayPath(m[1])}:${at ? `${at.line}:${at.column}` : `${m[2]}:${m[3]}`}`;
  }
  return undefined;
}

/** The environment a one-environment command takes without --env: the first compose environment (dev), else the first one. */
export function defaultEnvironment(definition: StackDefinition): string {
  return composeEnvironments(definition)[0] ?? Object.keys(definition.environments)[0];
}

/** The optional ENTRY argument of the commands that run a stack program. */
export const ENTRY_ARGUMENT = {
  metavar: 'ENTRY',
  help: 'the stack program (default: package.json "kstack.entry", else main.ts or src/main.ts)',
  max: 1,
} as const;

/** --env of the commands that take one environment. */
export const ONE_ENV_FLAG = {
  type: 'string',
  metavar: 'NAME',
  help: 'environment (default: the first compose environment, else the first one)',
} as const;
