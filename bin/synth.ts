import * as fs from 'fs';
import * as path from 'path';
import { KstackPropError } from '../lib';
import { environments } from '../stacks/environments';
import { synthesizeEnv, toYaml } from '../stacks/synth';

const USAGE = 'usage: synth [--env dev|staging|prod]... [--out DIR]';

interface Args { envs: string[]; out: string }

function parseArgs(argv: readonly string[]): Args {
  const envs: string[] = [];
  let out = process.env.CDK8S_OUTDIR ?? 'dist'; // set by `cdk8s synth` from cdk8s.yaml's output
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? fail(`synth: ${flag} needs a value\n${USAGE}`);
    if (flag === '--env') envs.push(...value().split(',').filter(Boolean));
    else if (flag === '--out') out = value();
    else if (flag === '--help' || flag === '-h') { process.stdout.write(`${USAGE}\n`); process.exit(0); }
    else fail(`synth: unknown argument '${arg}'\n${USAGE}`);
  }
  for (const env of envs) {
    if (!(env in environments)) fail(`synth: unknown environment '${env}'; known: ${Object.keys(environments).join(', ')}`);
  }
  return { envs: envs.length > 0 ? envs : Object.keys(environments), out };
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  for (const name of args.envs) {
    const result = synthesizeEnv(environments[name]);
    const dir = path.join(args.out, name);
    // Only kstack's own files are replaced, so stale objects never linger and nothing else is touched.
    for (const stale of ['app.k8s.yaml', 'argocd/application.k8s.yaml']) fs.rmSync(path.join(dir, stale), { force: true });
    for (const file of result.files) {
      const target = path.join(dir, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, toYaml(file.objects));
    }
    const count = result.files.reduce((n, f) => n + f.objects.length, 0);
    process.stdout.write(`${name}: ${count} objects -> ${dir}\n`);
  }
}

try {
  main();
} catch (err) {
  if (err instanceof KstackPropError) fail(`synth: ${err.message}`);
  throw err;
}
