/**
 * The kstack commands: name, one-line summary and the module that runs it (loaded on use, so
 * `kstack init` and `--help` load no library code). bin/cli/main.ts dispatches; each command
 * module exports `run(argv)`.
 */
export interface CommandModule {
  run(argv: readonly string[]): void;
}

export interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<CommandModule>;
}

export const COMMANDS = {
  synth: {
    summary:
      "Synthesizes every environment of a stack program to OUTDIR/<env>/ (Kubernetes YAML with kstack's gate header, and the Compose project of its compose environments), atomically.",
    load: () => import('./synth'),
  },
  validate: {
    summary:
      "Runs the validation gate on a folder or file of manifests (kstack's output, Helm output, hand-written YAML or JSON); kstack's header in the files gives the environment and external objects.",
    load: () => import('./validate'),
  },
  compose: {
    summary: 'Writes the Compose project of one environment of a stack program (docker-compose.yml, nginx.conf, .env.example), atomically.',
    load: () => import('./compose'),
  },
  diff: {
    summary:
      'Compares two synth outputs (folders) or two environments of a stack program: objects added, removed and changed with their field paths, Secret values masked. Exit 1 on differences.',
    load: () => import('./diff'),
  },
  graph: {
    summary:
      'Draws one environment of a stack program (Mermaid or DOT): workloads, Services, routes, databases and the connections allowed between them.',
    load: () => import('./graph'),
  },
  init: {
    summary:
      'Scaffolds a project that uses kstack: typed dev/staging/prod environments, a composition, cdk8s.yaml, a Pulumi program with its stacks, a jest test and a README.',
    load: () => import('./init'),
  },
} as const satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMANDS;
