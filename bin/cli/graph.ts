/**
 * `kstack graph [ENTRY] [--env NAME] [--format mermaid|dot] [--out FILE]`: one environment as a
 * picture (lib/graph.ts, drawn from the constructs' descriptions): workloads, Services, routes,
 * databases and the connections allowed between them. Printed, or written to FILE atomically.
 */
import * as path from 'path';
import { describeStack, KstackUsageError, renderGraph, writeFileAtomic } from '../../lib';
import { showValue } from '../../lib/internal/format';
import { statOrNone } from '../../lib/internal/io';
import { checkOutDir, CommandSpec, FlagSpecs, runCli } from '../internal/args';
import { COMMANDS } from './commands';
import { OUTPUT_OPTIONS, displayPath } from './outputs';
import { defaultEnvironment, loadProgram, selectEnvironments, synthesizeGated, ENTRY_ARGUMENT, ONE_ENV_FLAG } from './program';

const SPEC = {
  command: 'kstack graph',
  summary: COMMANDS.graph.summary,
  positionals: ENTRY_ARGUMENT,
  flags: {
    env: ONE_ENV_FLAG,
    format: { type: 'enum', values: ['mermaid', 'dot'], default: 'mermaid', help: 'Mermaid (for Markdown) or Graphviz DOT' },
    out: { type: 'string', metavar: 'FILE', help: 'write the picture to FILE, atomically (default: print it)' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

/** Checks an output file argument: its folder as `--out` folders are checked, and not a folder itself. */
export function checkOutFile(file: string, flag = '--out'): string {
  if (file.trim() === '' || file.endsWith('/')) throw new KstackUsageError(`${flag} must name a file, got ${showValue(file)}`);
  const target = path.join(checkOutDir(path.dirname(file), { flag: `${flag}'s folder` }), path.basename(file));
  if (statOrNone(target, true)?.isDirectory())
    throw new KstackUsageError(`${flag} names a folder, not a file, got ${showValue(file)}; choose a file`);
  return target;
}

export function run(argv: readonly string[]): void {
  runCli(
    SPEC,
    ({ flags, positionals }) => {
      const out = flags.out === undefined ? undefined : checkOutFile(flags.out);
      const program = loadProgram(positionals[0]);
      const [env] = selectEnvironments(program, [flags.env ?? defaultEnvironment(program.definition)]);
      const [synthesis] = synthesizeGated(program, [env], process.stderr);
      const picture = renderGraph(describeStack(synthesis.app), flags.format);
      if (out === undefined) return void process.stdout.write(picture);
      writeFileAtomic(out, picture, OUTPUT_OPTIONS);
      process.stderr.write(`${env.name}: ${flags.format} graph -> ${displayPath(out)}\n`);
    },
    argv,
  );
}
