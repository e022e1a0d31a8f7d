import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

// GIVEN the library packed as users get it from the registry
// WHEN a fresh TypeScript project installs the tarball and imports the constructs by package name
// THEN it compiles against the shipped types and synthesizes a chart
test('the packed library installs, type-checks and synthesizes in a fresh project', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-pack-'));
  try {
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .trim()
      .split('\n')
      .pop()!;
    const tarball = path.join(work, packed);
    expect(fs.existsSync(tarball)).toBe(true);
    const project = path.join(work, 'consumer');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project, stdio: 'pipe' });
    fs.writeFileSync(
      path.join(project, 'main.ts'),
      `
import { App, Chart } from 'cdk8s';
import { AppNamespace, ArgoApp, FastApiBackend, formatFinding, NextFrontend, NginxIngress, Postgres, writeManifests } from 'kstack';

const app = new App();
const chart = new Chart(app, 'shop', { namespace: 'shop' });
new AppNamespace(chart, 'namespace', { name: 'shop' });
const db = new Postgres(chart, 'db', { existingSecret: 'db-credentials' });
const api = new FastApiBackend(chart, 'api', { image: 'acme/api:1.0.0', database: db });
const web = new NextFrontend(chart, 'web', { image: 'acme/web:1.0.0', api });
new NginxIngress(chart, 'ingress', { host: 'shop.example.com', routes: [{ path: '/', backend: web }, { path: '/api', backend: api, stripPrefix: true }] });
new ArgoApp(chart, 'shop', { repoURL: 'https://github.com/acme/shop.git', destinationNamespace: 'shop' });
const { files, findings } = writeManifests(app, { env: 'staging' });
for (const f of findings) console.log(formatFinding(f));
console.log(files.join('\\n'));
`,
    );
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, outDir: 'out', types: [] },
        files: ['main.ts'],
      }),
    );
    const tsc = () =>
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], {
        cwd: project,
        encoding: 'utf8',
      });
    expect(() => {
      try {
        tsc();
      } catch (err) {
        throw new Error(String((err as { stdout: string }).stdout), { cause: err });
      }
    }).not.toThrow();
    const printed = execFileSync(process.execPath, ['out/main.js'], { cwd: project, encoding: 'utf8' });
    expect(printed.trim().split('\n').pop()).toBe(path.join('dist', 'shop.k8s.yaml'));
    const yaml = fs.readFileSync(path.join(project, 'dist', 'shop.k8s.yaml'), 'utf8');
    expect(yaml).toContain('kind: StatefulSet');
    expect(yaml).toContain('kind: Application');
    expect(yaml).toMatch(/name: DATABASE_URL\n\s+valueFrom:\n\s+secretKeyRef:\n\s+key: url\n\s+name: db-credentials/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 180000);
