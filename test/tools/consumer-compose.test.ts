/**
 * Real-tool tier: the Compose projects of a consumer's own composition (test/fixtures/consumer:
 * two backends built from the project's services/, a managed database, an NginxIngress), written
 * by `kstack synth` and `kstack compose` in a project made by `kstack init`, accepted by Debian's
 * docker-compose 1.29 (`config -q`, offline). A missing docker-compose fails, never skips.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { initProject, kstackIn, ROOT } from '../consumer-helpers';

const work = fs.mkdtempSync(path.join(ROOT, 'test', '.tmp-consumer-compose-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function dockerCompose(args: readonly string[], cwd: string) {
  const r = spawnSync('docker-compose', args, { cwd, encoding: 'utf8', env: { ...process.env, COMPOSE_INTERACTIVE_NO_CLI: '1' } });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('docker-compose is not installed: this test needs it (apt-get install -y docker-compose; CI installs it)');
  }
  if (r.error) throw r.error;
  return r;
}

let project: string;
beforeAll(() => {
  // GIVEN a project made by kstack init, with a composition of its own
  project = initProject(work, 'ledger', '1.0.0');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'consumer'), project, { recursive: true });
  // WHEN kstack writes the Compose project of every environment
  const synth = kstackIn(project, 'synth', '--target', 'compose');
  if (synth.status !== 0) throw new Error(`kstack synth exited with ${synth.status}: ${synth.stderr}`);
}, 120_000);

test.each(['dev', 'staging', 'prod'])(
  'GIVEN the %s Compose project of the consumer WHEN docker-compose config -q runs with .env from .env.example THEN it accepts it',
  (env) => {
    const dir = path.join(project, 'dist', env, 'compose');
    fs.copyFileSync(path.join(dir, '.env.example'), path.join(dir, '.env'));
    const quiet = dockerCompose(['-f', 'docker-compose.yml', 'config', '-q'], dir);
    expect({ status: quiet.status, stderr: quiet.stderr }).toEqual({ status: 0, stderr: '' });
    const resolved = parse(dockerCompose(['-f', 'docker-compose.yml', 'config'], dir).stdout, { version: '1.1' });
    expect(Object.keys(resolved.services)).toEqual(expect.arrayContaining(['orders', 'billing', 'nginx']));
    // Both backends are built from the project's own folders, resolved by docker-compose from dist/<env>/compose.
    expect(resolved.services.orders.build.context).toBe(path.join(project, 'services', 'orders'));
    expect(resolved.services.billing.build.context).toBe(path.join(project, 'services', 'billing'));
  },
);

test('GIVEN kstack compose --out elsewhere WHEN docker-compose config -q runs THEN the build contexts still resolve', () => {
  const r = kstackIn(project, 'compose', '--env', 'dev', '--out', 'local/compose', '--publish', '127.0.0.1:9000');
  expect(r.status).toBe(0);
  const dir = path.join(project, 'local', 'compose');
  fs.copyFileSync(path.join(dir, '.env.example'), path.join(dir, '.env'));
  const full = dockerCompose(['-f', 'docker-compose.yml', 'config'], dir);
  expect(full.status).toBe(0);
  const resolved = parse(full.stdout, { version: '1.1' });
  expect(resolved.services.orders.build.context).toBe(path.join(project, 'services', 'orders'));
  expect(resolved.services.nginx.ports).toEqual(['127.0.0.1:9000:8080/tcp']);
});
