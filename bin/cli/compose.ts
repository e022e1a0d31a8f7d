/**
 * `kstack compose [ENTRY] [--env NAME] [--out DIR] [--backups] [--publish [HOST:]PORT]`: the
 * Compose project of one environment, written atomically. `kstack synth` writes the same files
 * for its compose environments (renderProjectCompose).
 */
import * as path from 'path';
import { ComposeProject, EnvironmentSynthesis, environmentCompose, writeOutput } from '../../lib';
import { checkOutDir, CommandSpec, FlagSpecs, runCli, usageError } from '../internal/args';
import { COMMANDS } from './commands';
import { OUTPUT_OPTIONS, displayPath } from './outputs';
import {
  defaultEnvironment,
  loadProgram,
  selectEnvironments,
  StackProgram,
  synthesizeGated,
  ENTRY_ARGUMENT,
  ONE_ENV_FLAG,
} from './program';

const SPEC = {
  command: 'kstack compose',
  summary: COMMANDS.compose.summary,
  positionals: ENTRY_ARGUMENT,
  flags: {
    env: ONE_ENV_FLAG,
    out: {
      type: 'string',
      metavar: 'DIR',
      help: 'folder of the project (default: OUTDIR/<env>/compose, OUTDIR being $CDK8S_OUTDIR or dist)',
    },
    backups: { type: 'boolean', help: "add each backed-up database's backup and restore services (docs/backup.md)" },
    publish: { type: 'string', metavar: '[HOST:]PORT', help: 'where nginx is published on the host (default: 127.0.0.1:8080)' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

/** What decides a Compose project besides the environment. */
export interface ComposeChoices {
  readonly backups?: boolean;
  readonly publish?: string;
  /** The command the header names to regenerate the files. */
  readonly regenerateCommand: string;
}

/** The synth's output folder when none is given: where `cdk8s synth` asks for it, else dist. */
export function defaultOutDir(): string {
  return process.env.CDK8S_OUTDIR ?? 'dist';
}

/** The entry relative to the project root, '/'-separated: what the generated files name (the same wherever the command runs). */
export function entryInProject(program: StackProgram): string {
  return path.relative(program.projectRoot, program.entry).split(path.sep).join('/');
}

/** The Compose project of one synthesized environment, to be written to `dir` (build contexts are made relative to it). */
export function renderProjectCompose(
  program: StackProgram,
  synthesis: EnvironmentSynthesis,
  dir: string,
  choices: ComposeChoices,
): ComposeProject {
  const buildRoot = path.resolve(program.projectRoot, program.definition.buildRoot ?? '.');
  const contextRoot = path.relative(path.resolve(dir), buildRoot).split(path.sep).join('/') || '.';
  return environmentCompose(synthesis, {
    contextRoot,
    source: `the '${synthesis.env.name}' environment of ${entryInProject(program)}`,
    regenerateCommand: choices.regenerateCommand,
    backups: choices.backups,
    publish: choices.publish,
  });
}

/** Writes a Compose project atomically and says so on stdout. */
export function writeCompose(envName: string, project: ComposeProject, dir: string, shown: string): void {
  writeOutput(dir, project.files, OUTPUT_OPTIONS);
  process.stdout.write(`${envName}: ${Object.keys(project.compose.services).length} compose services -> ${shown}\n`);
}

const PUBLISH = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):)?(\d{1,5})$/;

function checkPublish(value: string | undefined): void {
  if (value === undefined) return;
  const m = PUBLISH.exec(value);
  const port = m ? Number(m[2]) : NaN;
  const ipv4 = m?.[1] && !m[1].startsWith('[') ? m[1].split('.').every((o) => Number(o) <= 255) : true;
  if (!m || port < 1 || port > 65535 || !ipv4)
    throw usageError(
      SPEC,
      `--publish must be PORT or HOST:PORT (an IPv4 address, or an IPv6 one in brackets), such as 127.0.0.1:8080, got "${value}"`,
    );
}

export function run(argv: readonly string[]): void {
  runCli(
    SPEC,
    ({ flags, positionals }) => {
      checkPublish(flags.publish);
      const program = loadProgram(positionals[0]);
      const name = flags.env ?? defaultEnvironment(program.definition);
      const [env] = selectEnvironments(program, [name]);
      const shown = flags.out ?? path.join(defaultOutDir(), name, 'compose');
      const dir = checkOutDir(shown);
      const [synthesis] = synthesizeGated(program, [env]);
      const options = [...(flags.backups ? ['--backups'] : []), ...(flags.publish ? ['--publish', flags.publish] : [])];
      const regenerateCommand = ['kstack compose', entryInProject(program), '--env', name, ...options].join(' ');
      writeCompose(
        name,
        renderProjectCompose(program, synthesis, dir, { ...flags, regenerateCommand }),
        dir,
        displayPath(path.resolve(shown)),
      );
    },
    argv,
  );
}
