/**
 * Real-tool tier: the Compose output checked by Debian's docker-compose 1.29 (`config -q`, offline)
 * and Debian's nginx (`nginx -t`). A missing tool fails these tests (npm run test:tools; CI installs both).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { renderNginxConf } from '../../lib';
import { backupScript, restoreScript } from '../../lib/internal/backup-script';
import { environments } from '../../stacks/environments';
import { synthesizeCompose, synthesizeEnv } from '../../stacks/synth';

const ROOT = path.resolve(__dirname, '..', '..');

const dev = () => synthesizeEnv(environments.dev);
const devProject = () => synthesizeCompose(dev());

/** Runs a required tool; throws a clear error when it is not installed. */
function run(tool: string, args: readonly string[], cwd?: string, stdout?: number): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(tool, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, COMPOSE_INTERACTIVE_NO_CLI: '1' },
    stdio: ['ignore', stdout ?? 'pipe', 'pipe'],
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${tool} is not installed: these tests need it (apt-get install -y docker-compose nginx; CI installs both)`);
  }
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Writes a project where the synth puts it (dist/<env>/compose) in a temp copy of the repo's layout. */
function writeProject(files: Readonly<Record<string, string>>, envName: string): { root: string; dir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-compose-'));
  for (const ctx of ['examples/fullstack/backend', 'examples/fullstack/frontend']) {
    fs.mkdirSync(path.join(root, ctx), { recursive: true });
    fs.copyFileSync(path.join(ROOT, ctx, 'Dockerfile'), path.join(root, ctx, 'Dockerfile'));
  }
  const dir = path.join(root, 'dist', envName, 'compose');
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return { root, dir };
}

describe('compose: validation with the real tools', () => {
  test.each(['dev', 'staging', 'prod'])(
    'GIVEN the %s project laid out like the repo WHEN docker-compose config -q runs with .env from .env.example THEN it accepts it',
    (envName) => {
      const project = synthesizeCompose(synthesizeEnv(environments[envName]));
      const { root, dir } = writeProject(project.files, envName);
      try {
        fs.copyFileSync(path.join(dir, '.env.example'), path.join(dir, '.env'));
        const quiet = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], dir);
        expect({ status: quiet.status, stderr: quiet.stderr }).toEqual({ status: 0, stderr: '' });
        const full = run('docker-compose', ['-f', 'docker-compose.yml', 'config'], dir);
        expect(full.status).toBe(0);
        const resolved = parse(full.stdout, { version: '1.1' });
        expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(project.compose.services).sort());
        expect(resolved.services['api-migrate'].restart).toBe('no');
        if (envName !== 'prod') {
          expect(resolved.services.api.environment.DATABASE_URL).toBe('postgresql://app:change-me@db:5432/app');
          // `$$` keeps the variable for the shell in the container: Compose does not interpolate it.
          expect(resolved.services.db.healthcheck.test.join(' ')).toMatch(/-U "\$+POSTGRES_USER"/);
        }
        if (envName === 'dev') expect(resolved.services.api.build.context).toBe(path.join(root, 'examples/fullstack/backend'));
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  );

  test('GIVEN the dev project without .env WHEN docker-compose config runs THEN it refuses and points to .env.example', () => {
    const { root, dir } = writeProject(devProject().files, 'dev');
    try {
      const r = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], dir);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('copy .env.example to .env');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('GIVEN the dev nginx.conf with upstreams on 127.0.0.1 WHEN nginx -t runs THEN the configuration is valid', () => {
    const result = dev();
    const conf = renderNginxConf(result.stack.ingress, { upstreamHosts: { api: '127.0.0.1', web: '127.0.0.1' } });
    expect(conf).toBe(
      synthesizeCompose(result)
        .files['nginx/nginx.conf'].replace('$kstack_upstream_api api:', '$kstack_upstream_api 127.0.0.1:')
        .replace('$kstack_upstream_web web:', '$kstack_upstream_web 127.0.0.1:'),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-nginx-'));
    try {
      fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
      // access_log is /dev/stdout (the container's log): nginx opens it, which fails on the socket
      // Node gives a child as stdout, so stdout goes to a file here (Docker gives a pipe).
      const stdout = fs.openSync(path.join(dir, 'stdout'), 'w');
      let r: ReturnType<typeof run>;
      try {
        r = run('nginx', ['-t', '-e', 'stderr', '-c', path.join(dir, 'nginx.conf')], undefined, stdout);
      } finally {
        fs.closeSync(stdout);
      }
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.stringContaining('test is successful') });
      expect(conf).toContain('listen 127.0.0.1:8081;'); // the status server is part of what nginx -t checked
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN the staging project with the opt-in backup services of its database WHEN docker-compose config runs THEN it accepts the profiles and the scripts survive interpolation', () => {
    const staging = synthesizeEnv(environments.staging);
    const description = staging.stack.database.database.backup!;
    const project = synthesizeCompose(staging, { backups: true });
    expect(Object.keys(project.compose.services)).toEqual(expect.arrayContaining(['db-backup', 'db-restore']));
    const { root, dir } = writeProject(project.files, 'staging');
    try {
      fs.copyFileSync(path.join(dir, '.env.example'), path.join(dir, '.env'));
      const r = run('docker-compose', ['-f', 'docker-compose.yml', '--profile', 'backup', '--profile', 'restore', 'config'], dir);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      const resolved = parse(r.stdout, { version: '1.1' });
      // `config` prints a file Compose reads again, so it escapes `$` as `$$`: with nothing interpolated
      // (an unset variable would be empty and warned about on stderr), unescaping gives the script back.
      const entry = (name: string) => resolved.services[name].entrypoint.map((a: string) => a.replace(/\$\$/g, '$'));
      expect(entry('db-backup')).toEqual(['sh', '-c', backupScript(description, '/var/lib/postgresql')]);
      expect(entry('db-restore')).toEqual(['sh', '-c', restoreScript(description, '/var/lib/postgresql')]);
      expect(resolved.services['db-backup'].profiles).toEqual(['backup']);
      expect(resolved.services['db-backup'].environment.PGPASSWORD).toBe('change-me');
      expect(resolved.services['db-backup'].environment.PGHOST).toBe('db');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
