/**
 * `kstack <command> [args]`: dispatches to a command (bin/cli/commands.ts). bin/kstack.js calls
 * {@link main} once the .ts hook and, for commands that run a stack program, the dependency bundle
 * are in place. docs/cli.md describes every command.
 */
import * as fs from 'fs';
import * as path from 'path';
import { showValue } from '../../lib/internal/format';
import { CommandName, COMMANDS } from './commands';

function usage(): string {
  const names = Object.keys(COMMANDS) as CommandName[];
  const width = Math.max(...names.map((n) => n.length));
  return [
    'usage: kstack <command> [ARGS] [FLAGS]',
    'Typed Kubernetes stacks: YAML per environment, a Compose project, a graph, diffs and a Pulumi deployment from one program.',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}`),
    "Run 'kstack <command> --help' for its arguments and flags (docs/cli.md).",
    'Exit codes: 0 done, 1 findings, errors in the program or differences, 2 usage or I/O error.',
  ].join('\n');
}

function version(): string {
  // bin/cli/ in a checkout, dist-lib/bin/cli/ in the package: the first package.json above.
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/** Runs `kstack` with `argv` (without node and the script); sets process.exitCode. */
export function main(argv: readonly string[]): void {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(`kstack: missing command\n${usage()}\n`);
    process.exitCode = 2;
    return;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  if (first === '--version') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  // `kstack help synth` is `kstack synth --help`.
  const [name, args] = first === 'help' ? [rest[0], ['--help']] : [first, rest];
  if (!Object.prototype.hasOwnProperty.call(COMMANDS, name)) {
    process.stderr.write(`kstack: unknown command ${showValue(name)}; commands: ${Object.keys(COMMANDS).join(', ')}\n${usage()}\n`);
    process.exitCode = 2;
    return;
  }
  // A command that never settles still exits non-zero: runCli's guard, once the module is loaded.
  void COMMANDS[name as CommandName].load().then((command) => command.run(args));
}
