import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { makeFifo } from './util';
import {
  Finding,
  GATE_HEADER_PREFIX,
  writeManifests,
  gateErrors,
  KstackIoError,
  manifestYaml,
  validateManifests,
  validateObjects,
} from '../lib';

const ROOT = path.resolve(__dirname, '..');
let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-input-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data: { a: 'b' } });
const privilegedPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'shop' },
  spec: { containers: [{ name: 'c', image: 'x:1', securityContext: { privileged: true } }] },
};

function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= 20; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

/** One row per hostile input of issue #14: what is put in the folder, and the finding it must give. */
const hostile: ReadonlyArray<{ given: string; make: (dir: string) => void; rule: string; object: RegExp; message: RegExp }> = [
  {
    given: 'a YAML alias bomb',
    make: (d) => fs.writeFileSync(path.join(d, 'bomb.yaml'), aliasBomb()),
    rule: 'input/limits',
    object: /^bomb\.yaml#1$/,
    message: /expands to more than/,
  },
  {
    given: '5,000 nested YAML lists',
    make: (d) => fs.writeFileSync(path.join(d, 'deep.yaml'), `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`),
    rule: 'input/limits',
    object: /^deep\.yaml/,
    message: /too deep/,
  },
  {
    given: '100,000 nested JSON lists',
    make: (d) => fs.writeFileSync(path.join(d, 'deep.json'), `${'['.repeat(100000)}${']'.repeat(100000)}`),
    rule: 'input/limits',
    object: /^deep\.json/,
    message: /deeper than 100 levels/,
  },
  {
    given: 'a symlink loop',
    make: (d) => {
      fs.symlinkSync('b.yaml', path.join(d, 'a.yaml'));
      fs.symlinkSync('a.yaml', path.join(d, 'b.yaml'));
    },
    rule: 'input/file',
    object: /^[ab]\.yaml$/,
    message: /symlink loop/,
  },
  {
    given: 'a dangling symlink',
    make: (d) => fs.symlinkSync('nowhere.yaml', path.join(d, 'gone.yaml')),
    rule: 'input/file',
    object: /^gone\.yaml$/,
    message: /dangling/,
  },
  {
    given: 'a FIFO named *.yaml',
    make: (d) => makeFifo(path.join(d, 'pipe.yaml')),
    rule: 'input/file',
    object: /^pipe\.yaml$/,
    message: /is a FIFO, not a regular file/,
  },
  {
    given: 'a symlink to /dev/zero',
    make: (d) => fs.symlinkSync('/dev/zero', path.join(d, 'zero.yaml')),
    rule: 'input/file',
    object: /^zero\.yaml$/,
    message: /character device/,
  },
  {
    given: 'a symlinked folder that leads back up',
    make: (d) => {
      fs.mkdirSync(path.join(d, 'sub'));
      fs.symlinkSync('..', path.join(d, 'sub', 'up'));
    },
    rule: 'input/file',
    object: /^sub\/up$/,
    message: /symlink loop/,
  },
  {
    given: 'a YAML syntax error',
    make: (d) => fs.writeFileSync(path.join(d, 'bad.yaml'), 'a: [1\nb: 2\n'),
    rule: 'input/parse',
    object: /^bad\.yaml$/,
    message: /does not parse as YAML at line \d/,
  },
  {
    given: 'a duplicate YAML key',
    make: (d) => fs.writeFileSync(path.join(d, 'dup.yaml'), 'kind: ConfigMap\nkind: Secret\n'),
    rule: 'input/parse',
    object: /^dup\.yaml$/,
    message: /duplicated mapping key/,
  },
  {
    given: 'a JSON syntax error',
    make: (d) => fs.writeFileSync(path.join(d, 'bad.json'), '{"kind": '),
    rule: 'input/parse',
    object: /^bad\.json$/,
    message: /not valid JSON/,
  },
  {
    given: 'a malformed kstack header',
    make: (d) => fs.writeFileSync(path.join(d, 'h.yaml'), `${GATE_HEADER_PREFIX}{"env": 3}\n${manifestYaml([cm('x')] as never)}`),
    rule: 'input/header',
    object: /^h\.yaml$/,
    message: /kstack\.dev\/gate header must be/,
  },
];

describe('validate reads hostile input: one finding per problem, never a stack trace or a hang', () => {
  test.each(hostile)(
    'GIVEN $given WHEN validated THEN $rule reports it on one line',
    ({ make, rule, object, message }) => {
      make(tmp);
      const { findings } = validateManifests(tmp);
      const hits = findings.filter((f) => f.ruleId === rule);
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) expect(h.object).toMatch(object);
      expect(hits[0].message).toMatch(message);
      expect(hits[0].message).not.toMatch(/\n/);
      expect(hits[0].severity).toBe('error');
    },
    15000,
  );

  test('a file over the size limit is refused unread', () => {
    fs.writeFileSync(path.join(tmp, 'big.yaml'), 'x'.repeat(2048));
    const { findings } = validateManifests(tmp, { maxFileBytes: 1024 });
    expect(findings.map((f) => [f.ruleId, f.message])).toEqual([
      ['input/file', '"big.yaml" is 2048 bytes, over the limit of 1024; not read'],
    ]);
  });

  test('*.json manifests, symlinked folders, top-level lists and kind: List are all read', () => {
    fs.writeFileSync(path.join(tmp, 'pod.json'), JSON.stringify(privilegedPod));
    fs.mkdirSync(path.join(tmp, 'real'));
    fs.writeFileSync(path.join(tmp, 'real', 'a.yaml'), manifestYaml([cm('linked')] as never));
    fs.symlinkSync('real', path.join(tmp, 'linked'));
    fs.writeFileSync(path.join(tmp, 'list.yaml'), '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: in-array, namespace: shop}\n');
    fs.writeFileSync(path.join(tmp, 'kindlist.yaml'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [cm('in-list')] }));
    const { loaded, findings } = validateManifests(tmp);
    const names = loaded.objects.map((o) => (o as { metadata: { name: string } }).metadata.name).sort();
    // The folder reached twice (real/ and linked/) is read once.
    expect(names).toEqual(['in-array', 'in-list', 'linked', 'p']);
    expect(findings.filter((f) => f.ruleId === 'pss/privileged').map((f) => f.path)).toEqual(['pod.json#1']);
    expect(loaded.sources.get('ConfigMap/shop/in-list')).toBe('kindlist.yaml#1.items[0]');
  });

  test('kubectl reads YAML 1.1: 0644 is octal, yes is a boolean', () => {
    fs.writeFileSync(path.join(tmp, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {mode: 0644, on: yes}\n');
    const { loaded } = validateManifests(tmp);
    expect((loaded.objects[0] as { data: unknown }).data).toEqual({ mode: 420, true: true });
  });

  test('custom resources of any group are a warning or a schema check, never a crash; misspelt and removed kinds are errors', () => {
    const objects = [
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'c', namespace: 'shop' },
        spec: { secretName: 'c', issuerRef: { name: 'x' } },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'r', namespace: 'shop' },
        spec: { rules: 'not-a-list' },
      },
      { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'd' } },
      { apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'p' } },
      { apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'i' } },
    ];
    const byObject = (f: readonly Finding[]) => f.map((x) => `${x.severity} ${x.ruleId} ${x.object}: ${x.message}`);
    expect(byObject(validateObjects(objects, { env: 'dev' }))).toEqual([
      'warning schema/unknown-kind Widget/w: no schema is known for example.com/v1 Widget (a custom resource); it is not schema-checked',
      expect.stringMatching(
        /^error schema\/openapi HTTPRoute\/shop\/r: HTTPRoute fails the gateway-api CRD schema: \/spec\/rules must be array/,
      ),
      'error api/unknown-kind Deploymnet/d: apps/v1 serves no kind "Deploymnet"; did you mean Deployment?',
      expect.stringMatching(
        /^error api\/removed-version PodSecurityPolicy\/p: policy\/v1beta1 PodSecurityPolicy was removed in Kubernetes 1\.25; it has no successor kind/,
      ),
      'error api/removed-version Ingress/i: extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1',
    ]);
  });

  test('writeManifests and the synth path take a custom resource of any group (a warning, not a crash)', () => {
    const app = new App({ outdir: path.join(tmp, 'dist') });
    const chart = new Chart(app, 'crd');
    new ApiObject(chart, 'widget', { apiVersion: 'widgets.example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    new ApiObject(chart, 'cert', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'c' },
      spec: { secretName: 'c', issuerRef: { name: 'le' } },
    });
    const { findings, files } = writeManifests(app, { env: 'dev' });
    expect(findings.map((f) => `${f.severity} ${f.ruleId} ${f.object}`)).toEqual(['warning schema/unknown-kind Widget/w']);
    expect(files).toHaveLength(1);
  });

  test('10,000 Deployments sharing a label with 10,000 Services selecting them (bad targetPort): linear, capped lists', () => {
    const objects: unknown[] = [];
    for (let i = 0; i < 10000; i++) {
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `d${i}`, namespace: 'big' },
        spec: {
          selector: { matchLabels: { app: 'shared', i: `n${i}` } },
          template: {
            metadata: { labels: { app: 'shared', i: `n${i}` } },
            spec: { containers: [{ name: 'c', image: 'x:1', ports: [{ name: 'http', containerPort: 80 }] }] },
          },
        },
      });
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `s${i}`, namespace: 'big' },
        spec: { selector: { app: 'shared' }, ports: [{ port: 80, targetPort: 'web' }] },
      });
    }
    const t = performance.now();
    // The schema check is skipped (a cache that has seen everything): this measures the rules.
    const findings = validateObjects(objects, { env: 'dev', schemaCache: { has: () => true, add: () => undefined } });
    const ms = performance.now() - t;
    const refs = findings.filter((f) => f.ruleId === 'ref/service-selector');
    expect(refs).toHaveLength(10000);
    expect(refs[0].message).toMatch(
      /\(Deployment\/big\/d0, Deployment\/big\/d1, Deployment\/big\/d2, Deployment\/big\/d3, Deployment\/big\/d4 and 9995 more\)$/,
    );
    expect(ms).toBeLessThan(5000);
  });
});

describe('kstack validate exit codes: 0 clean, 1 findings, 2 usage or I/O error', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin/kstack.js'), 'validate', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30000,
    });

  test('0 on a clean file, 1 with a finding, one line per finding and no stack trace', () => {
    fs.writeFileSync(path.join(tmp, 'ok.yaml'), manifestYaml([cm('ok')] as never));
    expect(run([path.join(tmp, 'ok.yaml'), '--env', 'dev']).status).toBe(0);
    makeFifo(path.join(tmp, 'pipe.yaml'));
    fs.writeFileSync(path.join(tmp, 'crd.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    const r = run([tmp, '--env', 'dev']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^error\s+input\/file\s+pipe\.yaml\s+"pipe\.yaml" is a FIFO/m);
    expect(r.stdout).toMatch(/^warning\s+schema\/unknown-kind\s+Widget\/w/m);
    expect(r.stdout).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  test.each([
    ['an unknown flag', ['--nope'], /^validate: unknown flag "--nope"$/m],
    ['no path', [], /^validate: missing PATH$/m],
    ['a bad --env', ['x', '--env', 'Prod!'], /^validate: --env must be an environment name/m],
    ['a bad --external', ['x', '--external', 'a b'], /^validate: --external must be KIND\/NAME/m],
  ])('2 on %s, with the usage', (_given, args, message) => {
    const r = run(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^usage: kstack validate PATH/m);
  });

  test('2 when the path itself is missing or a FIFO (never opened)', () => {
    expect(run([path.join(tmp, 'nope')]).status).toBe(2);
    makeFifo(path.join(tmp, 'pipe'));
    const r = run([path.join(tmp, 'pipe')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`validate: cannot read '${path.join(tmp, 'pipe')}': a FIFO, not a folder or a regular file`);
  });

  test('loadManifests throws a KstackIoError, not a raw error, for an unreadable target', () => {
    expect(() => validateManifests(path.join(tmp, 'nope'))).toThrow(KstackIoError);
    expect(gateErrors([])).toEqual([]);
  });
});
