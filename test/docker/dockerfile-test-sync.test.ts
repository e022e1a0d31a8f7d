/**
 * The test Dockerfiles beside the reference app's production ones (Dockerfile.test, used by
 * test/docker/compose-run.sh on a machine without a registry) must run the app the same way:
 * same user, port, working directory, command and environment in the final stage. Only where the
 * packages come from may differ. A fast, offline guard; the real run is compose-run.sh.
 */
import * as fs from 'fs';
import * as path from 'path';

const APP = path.join(__dirname, '..', '..', 'examples', 'fullstack');

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** Instructions of the last stage, continuation lines joined, comments dropped. */
function finalStage(file: string): Instruction[] {
  const joined = fs.readFileSync(file, 'utf8').replace(/\\\r?\n/g, ' ');
  const all = joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l)!;
      return { op: m[1].toUpperCase(), args: m[2].replace(/\s+/g, ' ').trim() };
    });
  const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
  return all.slice(lastFrom + 1);
}

/** `ENV A=1 B="x y"` -> { A: '1', B: 'x y' } (the key=value form). */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((i) => i.op === 'ENV')) {
    for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) env[m[1]] = m[3] ?? m[2];
  }
  return env;
}

const last = (stage: Instruction[], op: string) =>
  stage
    .filter((i) => i.op === op)
    .map((i) => i.args)
    .pop();

describe.each(['backend', 'frontend'])('examples/fullstack/%s/Dockerfile.test', (name) => {
  const prod = finalStage(path.join(APP, name, 'Dockerfile'));
  const test = finalStage(path.join(APP, name, 'Dockerfile.test'));

  it.each(['USER', 'EXPOSE', 'WORKDIR', 'CMD', 'ENTRYPOINT'])('has the production %s', (op) => {
    expect(last(test, op)).toEqual(last(prod, op));
  });

  it('sets the production environment (except the virtualenv paths)', () => {
    const expected = Object.fromEntries(Object.entries(envOf(prod)).filter(([k]) => k !== 'PATH' && k !== 'VIRTUAL_ENV'));
    expect(envOf(test)).toMatchObject(expected);
  });

  it('copies to the same places', () => {
    const dests = (stage: Instruction[]) =>
      stage
        .filter((i) => i.op === 'COPY')
        .map((i) => i.args.split(' ').pop())
        .filter((d) => d !== '/opt/venv');
    expect(dests(test)).toEqual(dests(prod));
  });
});
