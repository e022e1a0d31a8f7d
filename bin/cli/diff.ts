/**
 * `kstack diff A B [ENTRY] [--json]`: what changes from A to B, each a synth output (a folder or
 * file of manifests) or an environment of the stack program. Objects added, removed and changed
 * with their field paths (lib/diff.ts), Secret values masked. Two different environments are
 * matched across their namespaces. Exit 0 when equal, 1 on differences, 2 on usage or I/O errors.
 */
import * as path from 'path';
import { diffManifests, formatDiff, KstackIoError, KstackUsageError, loadManifests, ManifestObject } from '../../lib';
import { showValue } from '../../lib/internal/format';
import { statOrNone } from '../../lib/internal/io';
import { CommandSpec, FlagSpecs, runCli } from '../internal/args';
import { COMMANDS } from './commands';
import { recoverOutputs } from './outputs';
import { loadProgram, selectEnvironments, StackProgram, synthesizeGated } from './program';

const SPEC = {
  command: 'kstack diff',
  summary: COMMANDS.diff.summary,
  positionals: {
    metavar: 'A B [ENTRY]',
    help: 'each a folder of manifests (a synth output; a name with \'/\' is always one) or an environment of ENTRY (default: package.json "kstack.entry", else main.ts or src/main.ts)',
    min: 2,
    max: 3,
  },
  flags: {
    json: { type: 'boolean', help: 'print the differences as JSON' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

/** One side of the comparison. */
interface Side {
  readonly label: string;
  /** The environment the objects belong to, when known (a folder's kstack header). */
  readonly env?: string;
  readonly objects: readonly ManifestObject[];
}

function folderSide(arg: string): Side {
  recoverOutputs(arg);
  const loaded = loadManifests(arg);
  if (loaded.problems.length > 0) {
    for (const p of loaded.problems) process.stderr.write(`diff: ${arg}: ${p.object}: ${p.message}\n`);
    throw new KstackIoError(
      `cannot compare ${showValue(arg)}: ${loaded.problems.length} file problem(s) above; fix or remove those files`,
      arg,
    );
  }
  const envs = [...new Set(loaded.headers.map((h) => h.header.env))];
  return {
    label: envs.length === 1 ? `${arg} (env ${envs[0]})` : arg,
    env: envs.length === 1 ? envs[0] : undefined,
    objects: loaded.objects as ManifestObject[],
  };
}

function envSide(program: StackProgram, name: string): Side {
  const [synthesis] = synthesizeGated(program, selectEnvironments(program, [name]), process.stderr);
  return { label: `environment ${name} of ${program.display}`, env: name, objects: synthesis.files.flatMap((f) => f.objects) };
}

/**
 * A folder when the argument has a '/' (or is '.' or '..'), or names something on disk that is
 * not also an environment; an environment of the program otherwise. Both at once is refused.
 */
function resolveSide(arg: string, program: () => StackProgram): Side {
  if (/[\\/]/.test(arg) || arg === '.' || arg === '..') return folderSide(arg);
  const onDisk = statOrNone(path.resolve(arg), true) !== undefined;
  let loaded: StackProgram;
  try {
    loaded = program();
  } catch (err) {
    if (onDisk) return folderSide(arg);
    if (err instanceof KstackUsageError)
      throw new KstackUsageError(`${showValue(arg)} is neither a folder nor an environment: ${err.message}`);
    throw err;
  }
  const envs = Object.keys(loaded.definition.environments);
  const isEnv = envs.includes(arg);
  if (onDisk && isEnv)
    throw new KstackUsageError(
      `${showValue(arg)} is both a folder and an environment of ${loaded.display}; write ./${arg} for the folder, or run from another folder for the environment`,
    );
  if (onDisk) return folderSide(arg);
  if (!isEnv)
    throw new KstackUsageError(`${showValue(arg)} is neither a folder nor an environment of ${loaded.display} (${envs.join(', ')})`);
  return envSide(loaded, arg);
}

export function run(argv: readonly string[]): void {
  runCli(
    SPEC,
    ({ flags, positionals: [a, b, entry] }) => {
      let program: StackProgram | undefined;
      const lazyProgram = () => (program ??= loadProgram(entry));
      const before = resolveSide(a, lazyProgram);
      const after = resolveSide(b, lazyProgram);
      const acrossNamespaces = before.env !== undefined && after.env !== undefined && before.env !== after.env;
      const diff = diffManifests(before.objects, after.objects, { acrossNamespaces });
      const differs = diff.added.length + diff.removed.length + diff.changed.length > 0;
      if (flags.json) {
        const side = (s: Side) => ({ label: s.label, env: s.env ?? null, objects: s.objects.length });
        process.stdout.write(`${JSON.stringify({ a: side(before), b: side(after), acrossNamespaces, ...diff }, null, 2)}\n`);
      } else process.stdout.write(`--- ${before.label}\n+++ ${after.label}\n${formatDiff(diff)}`);
      return differs ? 1 : 0;
    },
    argv,
  );
}
