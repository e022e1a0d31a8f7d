import * as fs from 'fs';
import * as path from 'path';
import { KstackError, KstackIoError, KstackUsageError } from '../../lib/errors';
import { showValue } from '../../lib/internal/format';
import { errnoOf, ioError } from '../../lib/internal/io';
import { OUTPUT_STATE_FOLDER } from '../../lib/output';

/**
 * The command line's strict argument parser and its checks, for every kstack command: typed
 * flag specs, `--flag value` and `--flag=value`, `--help`; an unknown flag, a missing or bad
 * value is a {@link CliUsageError} carrying the usage text. {@link runCli} runs a command and
 * maps errors to one line and an exit code: 2 for usage and I/O errors, 1 for findings (any other
 * KstackError), 0 when clean; a command that ends without finishing never exits 0.
 */

/** A flag: `--name VALUE`, `--name=VALUE`, or `--name` alone for a boolean. */
export type FlagSpec =
  /** One value. */
  | { readonly type: 'string'; readonly help: string; readonly metavar?: string; readonly default?: string }
  /** Values, comma-separated and/or repeated: `--x a,b --x c`. */
  | { readonly type: 'list'; readonly help: string; readonly metavar?: string }
  /** Present or not; takes no value. */
  | { readonly type: 'boolean'; readonly help: string }
  /** One of `values`; with `multiple`, several (comma-separated and/or repeated, duplicates dropped). */
  | {
      readonly type: 'enum';
      readonly help: string;
      readonly values: readonly string[];
      readonly multiple?: boolean;
      readonly default?: string;
    };

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface CommandSpec<F extends FlagSpecs> {
  /** As typed: 'kstack synth'. The last word prefixes messages. */
  readonly command: string;
  /** One line on what the command does. */
  readonly summary: string;
  readonly flags: F;
  /** Arguments that are not flags. @default - none accepted */
  readonly positionals?: { readonly metavar: string; readonly help: string; readonly min?: number; readonly max?: number };
}

type EnumValue<S> = S extends { readonly values: readonly (infer V)[] } ? V : never;

/** The parsed type of a flag. */
export type FlagValue<S extends FlagSpec> = S extends { readonly type: 'boolean' }
  ? boolean
  : S extends { readonly type: 'list' }
    ? string[]
    : S extends { readonly type: 'enum'; readonly multiple: true }
      ? EnumValue<S>[]
      : S extends { readonly type: 'enum'; readonly default: string }
        ? EnumValue<S>
        : S extends { readonly type: 'enum' }
          ? EnumValue<S> | undefined
          : S extends { readonly default: string }
            ? string
            : string | undefined;

export interface ParsedArgs<F extends FlagSpecs> {
  /** `--help` or `-h` was given: print {@link formatUsage} and exit 0. */
  readonly help: boolean;
  readonly flags: { -readonly [K in keyof F]: FlagValue<F[K]> };
  readonly positionals: string[];
}

/** A bad command line; `usage` is the command's usage text, printed after the message. */
export class CliUsageError extends KstackUsageError {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

function commandName(spec: CommandSpec<FlagSpecs>): string {
  return spec.command.split(' ').pop()!;
}

/** A usage error of the command (`<command>: <what>`), for values a command checks itself. */
export function usageError(spec: CommandSpec<FlagSpecs>, what: string): CliUsageError {
  return new CliUsageError(`${commandName(spec)}: ${what}`, formatUsage(spec));
}

function flagSyntax(name: string, flag: FlagSpec): string {
  if (flag.type === 'boolean') return `--${name}`;
  if (flag.type === 'enum') return `--${name} ${flag.values.join('|')}${flag.multiple ? '[,...]' : ''}`;
  return `--${name} ${flag.metavar ?? 'VALUE'}${flag.type === 'list' ? '[,...]' : ''}`;
}

/** The usage text: a synopsis line, the summary, one line per flag. */
export function formatUsage<F extends FlagSpecs>(spec: CommandSpec<F>): string {
  const flags = Object.entries(spec.flags);
  const repeatable = (f: FlagSpec) => f.type === 'list' || (f.type === 'enum' && f.multiple);
  const pos = spec.positionals;
  const synopsis = [
    spec.command,
    ...(pos ? [(pos.min ?? 0) > 0 ? pos.metavar : `[${pos.metavar}]`] : []),
    ...flags.map(([name, f]) => `[${flagSyntax(name, f)}]${repeatable(f) ? '...' : ''}`),
  ].join(' ');
  const rows: [string, string][] = [
    ...(pos ? [[pos.metavar, pos.help] as [string, string]] : []),
    ...flags.map(([name, f]): [string, string] => [
      flagSyntax(name, f),
      'default' in f && f.default ? `${f.help} (default: ${f.default})` : f.help,
    ]),
    ['-h, --help', 'print this help'],
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  return [`usage: ${synopsis}`, spec.summary, ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)].join('\n');
}

/** Parses argv (without node and the script) against the spec; throws a {@link CliUsageError} on anything it does not accept. */
export function parseArgs<F extends FlagSpecs>(argv: readonly string[], spec: CommandSpec<F>): ParsedArgs<F> {
  const fail = (what: string): never => {
    throw usageError(spec, what);
  };
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') return { help: true, flags: defaults(spec), positionals: [] };
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : '';
    const flag = Object.prototype.hasOwnProperty.call(spec.flags, name) ? spec.flags[name] : undefined;
    if (flag === undefined) return fail(`unknown flag ${showValue(eq < 0 ? arg : arg.slice(0, eq))}`);
    if (flag.type === 'boolean') {
      if (eq >= 0) fail(`--${name} takes no value, got ${showValue(arg.slice(eq + 1))}`);
      values.set(name, ['true']);
      continue;
    }
    // A following flag is never taken as the value: `--out --env dev` is a missing value. Write `--out=-x` for a value starting with '-'.
    const next = argv[i + 1];
    const value = eq >= 0 ? arg.slice(eq + 1) : next !== undefined && !(next.startsWith('-') && next !== '-') ? argv[++i] : undefined;
    if (value === undefined) return fail(`--${name} needs a value (${flagSyntax(name, flag)})`);
    values.set(name, [...(values.get(name) ?? []), ...flagValues(name, flag, value, values.has(name), fail)]);
  }
  checkPositionals(spec, positionals, fail);
  const flags = defaults(spec);
  for (const [name, given] of values) {
    const flag = spec.flags[name];
    (flags as Record<string, unknown>)[name] = flag.type === 'boolean' ? true : isMulti(flag) ? [...new Set(given)] : given[0];
  }
  return { help: false, flags, positionals };
}

function isMulti(flag: FlagSpec): boolean {
  return flag.type === 'list' || (flag.type === 'enum' && flag.multiple === true);
}

/** The values one occurrence of a flag gives, checked. */
function flagValues(name: string, flag: FlagSpec, value: string, repeated: boolean, fail: (what: string) => never): string[] {
  if (repeated && !isMulti(flag)) fail(`--${name} is given more than once`);
  const items = isMulti(flag) ? value.split(',') : [value];
  if (items.some((v) => v.trim() === ''))
    fail(`--${name} needs a non-empty value${isMulti(flag) ? ' (no empty items)' : ''}, got ${showValue(value)}`);
  if (flag.type === 'enum') {
    const bad = items.find((v) => !flag.values.includes(v));
    if (bad !== undefined) fail(`--${name} must be one of ${flag.values.join(', ')}, got ${showValue(bad)}`);
  }
  return items;
}

function checkPositionals(spec: CommandSpec<FlagSpecs>, positionals: readonly string[], fail: (what: string) => never): void {
  const pos = spec.positionals;
  if (pos === undefined) {
    if (positionals.length > 0) fail(`unexpected argument ${showValue(positionals[0])}`);
    return;
  }
  if (positionals.length < (pos.min ?? 0)) fail(`missing ${pos.metavar}`);
  if (positionals.length > (pos.max ?? Infinity)) fail(`unexpected argument ${showValue(positionals[pos.max ?? 0])}`);
}

function defaults<F extends FlagSpecs>(spec: CommandSpec<F>): ParsedArgs<F>['flags'] {
  const entries = Object.entries(spec.flags).map(([name, f]) => [
    name,
    f.type === 'boolean' ? false : isMulti(f) ? [] : 'default' in f ? f.default : undefined,
  ]);
  return Object.fromEntries(entries) as ParsedArgs<F>['flags'];
}

// Kernel file systems: writing there creates no output and may change the running system.
const FORBIDDEN = ['/proc', '/sys', '/dev'];

/**
 * Checks an output folder argument (`--out`) and returns where the output really goes (absolute,
 * symbolic links resolved): not empty, not the file system root, not under /proc, /sys or /dev
 * (also through a link), not an existing file (nor below one), and in a folder that can be
 * written. Bad paths are {@link KstackUsageError}s, an unwritable folder a {@link KstackIoError}.
 */
export function checkOutDir(out: string, options: { readonly flag?: string; readonly cwd?: string } = {}): string {
  const flag = options.flag ?? '--out';
  if (out.trim() === '') throw new KstackUsageError(`${flag} must name a folder, got ${showValue(out)}`);
  const wanted = path.resolve(options.cwd ?? process.cwd(), out);
  // The deepest part of the path that exists, resolved through links: where the writes would land.
  let existing = wanted;
  const rest: string[] = [];
  while (lstatOf(existing) === undefined && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  const real = tryIo(existing, 'resolve', () => fs.realpathSync(existing));
  const target = path.join(real, ...rest);
  if (path.parse(target).root === target) throw new KstackUsageError(`${flag} must not be the file system root, got ${showValue(out)}`);
  const kernel = FORBIDDEN.find((k) => target === k || target.startsWith(`${k}/`));
  if (kernel)
    throw new KstackUsageError(
      `${flag} must not be under ${kernel} (a kernel file system), got ${showValue(out)}${target === wanted ? '' : ` (${showValue(target)})`}`,
    );
  if (target.split(path.sep).includes(OUTPUT_STATE_FOLDER)) {
    throw new KstackUsageError(`${flag} must not be inside kstack's state folder ${OUTPUT_STATE_FOLDER}, got ${showValue(out)}`);
  }
  const stat = tryIo(real, 'inspect', () => fs.statSync(real));
  if (!stat.isDirectory()) {
    const what = rest.length === 0 ? 'names a file, not a folder' : `is below ${showValue(existing)}, which is a file, not a folder`;
    throw new KstackUsageError(`${flag} ${what}, got ${showValue(out)}; choose a folder`);
  }
  tryIo(real, 'write into', () => fs.accessSync(real, fs.constants.W_OK | fs.constants.X_OK));
  return target;
}

function lstatOf(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (err) {
    // Missing, or below a file (ENOTDIR): the caller looks further up.
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
    throw ioError(err, file, 'inspect');
  }
}

function tryIo<T>(file: string, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw ioError(err, file, doing);
  }
}

/**
 * One line for any error a command ends with, and its exit code: usage and I/O errors 2 (a usage
 * error is followed by the usage: its own, or `usage`), other KstackErrors 1, a Node system error
 * (it names a path) 2. Anything else is a bug and is rethrown with its stack trace.
 */
export function reportError(command: string, err: unknown, usage?: string): number {
  const prefix = (message: string) => (message.startsWith(`${command}: `) ? message : `${command}: ${message}`);
  const errno = errnoOf(err);
  if (!(err instanceof KstackError) && errno !== undefined) {
    const file = (err as { path?: unknown }).path;
    err = ioError(err, typeof file === 'string' ? file : '(unknown path)', 'access');
  }
  if (!(err instanceof KstackError)) throw err;
  const usageText = err instanceof CliUsageError ? err.usage : err instanceof KstackUsageError ? usage : undefined;
  process.stderr.write(`${prefix(err.message)}\n${usageText ? `${usageText}\n` : ''}`);
  return err instanceof KstackUsageError || err instanceof KstackIoError ? 2 : 1;
}

/**
 * Runs a command: parses argv, prints the usage for --help, calls `main` with the parsed
 * arguments, and exits with what it returns (0 clean, 1 findings) or with {@link reportError}'s
 * code. A process that ends before `main` finished (an unsettled promise) exits 1, never 0.
 */
export function runCli<F extends FlagSpecs>(
  spec: CommandSpec<F>,
  main: (args: ParsedArgs<F>) => number | void | Promise<number | void>,
  argv: readonly string[] = process.argv.slice(2),
): void {
  const name = commandName(spec);
  let finished = false;
  process.on('exit', (code) => {
    if (finished || code !== 0) return;
    process.stderr.write(`${name}: ended before finishing (an internal error); nothing may have been written\n`);
    process.exitCode = 1;
  });
  const finish = (code: number | void) => {
    finished = true;
    process.exitCode = code ?? 0;
  };
  const fail = (err: unknown) => finish(reportError(name, err, formatUsage(spec)));
  try {
    const args = parseArgs(argv, spec);
    if (args.help) {
      process.stdout.write(`${formatUsage(spec)}\n`);
      return finish(0);
    }
    const result = main(args);
    if (result instanceof Promise) result.then(finish, fail);
    else finish(result);
  } catch (err) {
    fail(err);
  }
}
