import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import * as YAML from 'yaml';
import {
  AppNamespace,
  FastApiBackend,
  gateHeaderLines,
  KstackGateError,
  manifestYaml,
  manifestYamlChunks,
  OUTPUT_STATE_FOLDER,
  resolveCharts,
  writeManifestFile,
  writeManifests,
} from '../lib';
import { buildGeneratedStack } from '../bench/generate';
import { buildAppStack } from '../stacks/app-stack';
import { environments } from '../stacks/environments';
import { errorOf } from './util';

// writeManifests is kstack's app.synth(): the same charts, order and file names, the validation
// gate before anything is written, and kstack's YAML writer.
const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-synth-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The names in a folder, without kstack's state folder (lib/output.ts). */
function names(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f !== OUTPUT_STATE_FOLDER)
    .sort();
}

/** Every file of a folder, parsed: name -> documents. */
function readFolder(dir: string): Record<string, unknown[]> {
  return Object.fromEntries(
    names(dir).map((f) => [f, YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS())]),
  );
}

/** A namespace with one backend: passes the gate in any env when the image is pinned. */
function smallApp(opts: { image?: string; outdir?: string; yamlOutputType?: YamlOutputType } = {}): App {
  const app = new App({ outdir: opts.outdir, yamlOutputType: opts.yamlOutputType });
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  new AppNamespace(chart, 'namespace', { name: 'shop' });
  new FastApiBackend(chart, 'api', { image: opts.image ?? 'ghcr.io/acme/api:1.0.0', replicas: 2 });
  return app;
}

describe('writeManifests', () => {
  test('writes the files app.synth() writes, with the same objects', () => {
    // GIVEN two identical apps of two charts (staging: the app and its Argo CD Application)
    const ours = tmp();
    const theirs = tmp();
    const a = new App({ outdir: ours });
    buildAppStack(a, environments.staging);
    const b = new App({ outdir: theirs });
    buildAppStack(b, environments.staging);
    // WHEN one is written by kstack and the other by cdk8s
    const result = writeManifests(a, { env: 'staging' });
    b.synth();
    // THEN the file names and the objects in them are the same
    expect(names(ours)).toEqual(['staging-argocd.k8s.yaml', 'staging.k8s.yaml']);
    expect(readFolder(ours)).toEqual(readFolder(theirs));
    expect(result.files.map((f) => path.basename(f))).toEqual(['staging.k8s.yaml', 'staging-argocd.k8s.yaml']);
    // AND each file is kstack's gate header (env, external objects, waivers: `kstack validate` needs no flags), then manifestYaml of the returned objects
    const header = gateHeaderLines('staging', ['Secret/kstack-staging/db-credentials', 'Secret/kstack-staging/ingress-tls'], []);
    for (const m of result.manifests) expect(fs.readFileSync(path.join(ours, m.fileName), 'utf8')).toBe(header + manifestYaml(m.objects));
    expect(result.manifests.find((m) => m.fileName === 'staging-argocd.k8s.yaml')!.objects.map((o) => o.kind)).toEqual(['Application']);
  });

  test('numbers the files as app.synth() does when charts depend on each other', () => {
    const build = (outdir: string) => {
      const app = smallApp({ outdir });
      const config = new Chart(app, 'config', { namespace: 'shop' });
      new ApiObject(config, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } });
      app.node.findChild('shop').node.addDependency(config);
      return app;
    };
    const ours = tmp();
    const theirs = tmp();
    writeManifests(build(ours));
    build(theirs).synth();
    expect(names(ours)).toEqual(['0000-config.k8s.yaml', '0001-shop.k8s.yaml']);
    expect(readFolder(ours)).toEqual(readFolder(theirs));
  });

  test('a chart nested in another gets its own file, as with app.synth()', () => {
    const build = (outdir: string) => {
      const app = smallApp({ outdir });
      const inner = new Chart(app.node.findChild('shop'), 'settings', { namespace: 'shop' });
      new ApiObject(inner, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } });
      return app;
    };
    const ours = tmp();
    const theirs = tmp();
    const result = writeManifests(build(ours));
    build(theirs).synth();
    expect(names(ours)).toEqual(names(theirs));
    expect(readFolder(ours)).toEqual(readFolder(theirs));
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  test('with FILE_PER_APP writes one app.k8s.yaml with every object', () => {
    const out = tmp();
    const result = writeManifests(smallApp({ outdir: out, yamlOutputType: YamlOutputType.FILE_PER_APP }));
    expect(names(out)).toEqual(['app.k8s.yaml']);
    const docs = readFolder(out)['app.k8s.yaml'] as { kind: string }[];
    expect(docs).toHaveLength(result.manifests[0].objects.length);
    expect(docs.map((d) => d.kind)).toContain('Deployment');
    // One header, before the first document; the gate ran for prod (the default)
    const text = fs.readFileSync(path.join(out, 'app.k8s.yaml'), 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('# kstack.dev/gate: '))).toEqual([
      '# kstack.dev/gate: {"env":"prod","external":[],"waivers":[]}',
    ]);
    expect(text.indexOf('# kstack.dev/gate: ')).toBeLessThan(text.indexOf('apiVersion:'));
  });

  test('the outdir option wins over the app outdir; output is byte-identical across runs', () => {
    const first = tmp();
    const second = tmp();
    writeManifests(smallApp({ outdir: path.join(first, 'unused') }), { outdir: first });
    writeManifests(smallApp(), { outdir: second });
    expect(fs.existsSync(path.join(first, 'unused'))).toBe(false);
    expect(fs.readFileSync(path.join(first, 'shop.k8s.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(second, 'shop.k8s.yaml'), 'utf8'));
  });

  test('fails when the gate finds errors, before any file is written', () => {
    // GIVEN an unpinned image, an error outside dev
    const out = path.join(tmp(), 'out');
    let error: unknown;
    try {
      writeManifests(smallApp({ image: 'ghcr.io/acme/api:latest' }), { outdir: out, env: 'staging' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KstackGateError);
    expect((error as Error).message).toContain('policy/image-tag [staging] Deployment/shop/api (shop/api/');
    expect(fs.existsSync(out)).toBe(false);
    // AND in dev, where unpinned images are allowed, the same app is written
    const result = writeManifests(smallApp({ image: 'ghcr.io/acme/api:latest' }), { outdir: out, env: 'dev' });
    expect(result.findings.map((f) => f.ruleId)).not.toContain('policy/image-tag');
    expect(names(out)).toEqual(['shop.k8s.yaml']);
  });

  test('GIVEN a second call without a chart THEN its file is removed, files kstack did not write stay, unchanged files are not rewritten', () => {
    const out = tmp();
    const build = (withConfig: boolean) => {
      const app = smallApp({ outdir: out });
      if (withConfig)
        new ApiObject(new Chart(app, 'config'), 'c', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} });
      return app;
    };
    expect(writeManifests(build(true)).output.changed).toEqual(['shop.k8s.yaml', 'config.k8s.yaml']);
    fs.writeFileSync(path.join(out, 'kustomization.yaml'), 'resources: [shop.k8s.yaml]\n');
    const second = writeManifests(build(false));
    expect(second.output).toMatchObject({ changed: [], removed: ['config.k8s.yaml'] });
    expect(names(out)).toEqual(['kustomization.yaml', 'shop.k8s.yaml']);
  });

  test('fails when the app writes one file per resource', () => {
    const message = errorOf(() => writeManifests(smallApp({ yamlOutputType: YamlOutputType.FILE_PER_RESOURCE }), { outdir: tmp() }));
    expect(message).toBe(
      'app: \'yamlOutputType\' must be FILE_PER_CHART or FILE_PER_APP for writeManifests (use app.synth() for one file per resource), got "FILE_PER_RESOURCE"',
    );
  });
});

describe('writeManifestFile', () => {
  test('writes the bytes of manifestYaml, also past its 1 MiB write chunks', () => {
    // GIVEN about 1.3 MB of YAML
    const objects = resolveCharts(buildGeneratedStack(50).app)[0].objects;
    const expected = manifestYaml(objects);
    expect(Buffer.byteLength(expected)).toBeGreaterThan(1 << 20);
    // WHEN written a document at a time THEN the file holds exactly those bytes
    const file = path.join(tmp(), 'big.k8s.yaml');
    writeManifestFile(file, objects);
    expect(fs.readFileSync(file, 'utf8')).toBe(expected);
    // AND its pieces for writeOutput are the same bytes
    expect([...manifestYamlChunks(objects)].join('')).toBe(expected);
    // AND no objects, an empty file
    writeManifestFile(file, []);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  });
});

describe('resolveCharts', () => {
  test('resolves the charts in app.synth() order, with the objects chart.toJson() gives', () => {
    const app = new App();
    buildAppStack(app, environments.prod);
    const manifests = resolveCharts(app);
    expect(manifests.map((m) => m.chart)).toEqual(app.charts);
    for (const m of manifests) expect(m.objects).toEqual(m.chart.toJson());
  });

  test('an app without charts resolves to nothing', () => {
    expect(resolveCharts(new App())).toEqual([]);
  });
});

describe('the README example', () => {
  test('runs as written and writes dist/shop.k8s.yaml', () => {
    // GIVEN the first TypeScript block of the README, importing kstack from this checkout
    const root = path.join(__dirname, '..');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    expect(example).toContain('writeManifests(app');
    const dir = fs.mkdtempSync(path.join(__dirname, '.tmp-readme-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'example.ts'), example.replace("from 'kstack'", `from ${JSON.stringify(path.join(root, 'lib'))}`));
    // WHEN it runs
    const r = spawnSync(process.execPath, [path.join(root, 'bin/run.js'), 'example.ts'], { cwd: dir, encoding: 'utf8' });
    // THEN it passes the gate and writes the chart's file
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const docs = readFolder(path.join(dir, 'dist'))['shop.k8s.yaml'] as { kind: string; metadata: { name: string } }[];
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(
      expect.arrayContaining([
        'Deployment/api',
        'Deployment/web',
        'StatefulSet/db',
        'HTTPRoute/routes',
        'NetworkPolicy/api-egress-internet',
      ]),
    );
  });
});
