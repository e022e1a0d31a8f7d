/**
 * `kstack synth [ENTRY] [--env NAME]... [--target k8s|compose]... [--out DIR]`: every environment
 * of the stack program (or those named) is built and gated before anything is written; then each
 * environment's YAML goes to OUTDIR/<env>/ and the Compose project of its compose environments to
 * OUTDIR/<env>/compose/, each folder atomically (lib/output.ts). `cdk8s synth` runs it through
 * cdk8s.yaml's `app:` and passes OUTDIR as CDK8S_OUTDIR.
 */
import * as path from 'path';
import { ComposeProject, composeEnvironments, EnvironmentSynthesis, KstackError, writeEnvironment } from '../../lib';
import { checkOutDir, CommandSpec, FlagSpecs, runCli } from '../internal/args';
import { COMMANDS } from './commands';
import { defaultOutDir, entryInProject, renderProjectCompose, writeCompose } from './compose';
import { OUTPUT_OPTIONS, displayPath } from './outputs';
import { loadProgram, selectEnvironments, synthesizeGated, ENTRY_ARGUMENT } from './program';

const SPEC = {
  command: 'kstack synth',
  summary: COMMANDS.synth.summary,
  positionals: ENTRY_ARGUMENT,
  flags: {
    env: { type: 'list', metavar: 'NAME', help: 'environments to write (default: all)' },
    target: {
      type: 'enum',
      values: ['k8s', 'compose'],
      multiple: true,
      help: 'what to write (default: Kubernetes YAML for each environment, plus the Compose project of the compose environments)',
    },
    out: { type: 'string', metavar: 'DIR', help: 'output folder (default: $CDK8S_OUTDIR when run by cdk8s synth, else dist)' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

/** What one environment writes. */
interface EnvOutput {
  readonly synthesis: EnvironmentSynthesis;
  readonly dir: string;
  readonly shown: string;
  readonly k8s: boolean;
  readonly compose?: ComposeProject;
}

export function run(argv: readonly string[]): void {
  runCli(
    SPEC,
    ({ flags, positionals }) => {
      const program = loadProgram(positionals[0]);
      const envs = selectEnvironments(program, flags.env);
      const given = flags.out ?? defaultOutDir();
      const out = checkOutDir(given);
      const targets = flags.target.length > 0 ? flags.target : undefined;
      const composeEnvs = composeEnvironments(program.definition);
      // Everything is built, gated and rendered before the first file is written.
      const outputs: EnvOutput[] = synthesizeGated(program, envs).map((synthesis) => {
        const name = synthesis.env.name;
        const dir = path.join(out, name);
        const compose = targets ? targets.includes('compose') : composeEnvs.includes(name);
        const regenerateCommand = `kstack synth ${entryInProject(program)} --target compose --env ${name}`;
        return {
          synthesis,
          dir,
          shown: displayPath(path.resolve(given, name)),
          k8s: targets ? targets.includes('k8s') : true,
          compose: compose ? renderProjectCompose(program, synthesis, path.join(dir, 'compose'), { regenerateCommand }) : undefined,
        };
      });
      const files = outputs.reduce((n, o) => n + (o.k8s ? o.synthesis.files.length : 0) + (o.compose ? 1 : 0), 0);
      if (files === 0)
        throw new KstackError(
          `${program.display} gave no file to write for ${envs.map((e) => e.name).join(', ')}; its build function returns no chart`,
        );
      for (const o of outputs) {
        if (o.k8s) {
          writeEnvironment(o.synthesis, o.dir, OUTPUT_OPTIONS);
          const count = o.synthesis.files.reduce((n, f) => n + f.objects.length, 0);
          process.stdout.write(`${o.synthesis.env.name}: ${count} objects -> ${o.shown}\n`);
        }
        if (o.compose) writeCompose(o.synthesis.env.name, o.compose, path.join(o.dir, 'compose'), path.join(o.shown, 'compose'));
      }
    },
    argv,
  );
}
