import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Keeps `npm run bench` working: runs its smoke mode (N=10, one run of everything) and checks the
// shape of the JSON it writes. Not a timed test: no number is compared with a target here.
describe('bench smoke', () => {
  const root = path.join(__dirname, '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-bench-smoke-'));
  const jsonOut = path.join(dir, 'results.json');
  let results: any;

  beforeAll(() => {
    const r = spawnSync(process.execPath, ['bench/run.js', '--smoke', '--objects', '500', '--json-out', jsonOut], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (r.status !== 0) throw new Error(`bench/run.js --smoke exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toContain('| measure | result | target | status |');
    results = JSON.parse(fs.readFileSync(jsonOut, 'utf8'));
  }, 200_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const positive = (value: unknown) => {
    expect(typeof value).toBe('number');
    expect(value as number).toBeGreaterThan(0);
  };

  it('times the reference synth as a whole process', () => {
    expect(results.meta.smoke).toBe(true);
    positive(results.reference.medianMs);
    positive(results.reference.objects);
    positive(results.reference.noGateCache.medianMs);
    positive(results.reference.npmRunSynth.medianMs);
    expect(results.reference.runs).toBeGreaterThanOrEqual(1);
  });

  it('synthesizes a generated stack of 10 units in a child process', () => {
    expect(results.generated).toHaveLength(1);
    const [g] = results.generated;
    expect(g.units).toBe(10);
    for (const key of [
      'objects',
      'bytes',
      'wallMs',
      'constructMs',
      'synthMs',
      'yamlMs',
      'cpuMs',
      'processMs',
      'objectsPerSecond',
      'maxRssMB',
    ])
      positive(g[key]);
    expect(g.objects).toBeGreaterThanOrEqual(10 * 10);
    expect(g.validateMs).toBeGreaterThan(0);
    expect(results.growth).toBeNull();
  });

  it('sizes the object-sized run from the measured objects per unit', () => {
    // GIVEN --objects 500 WHEN the smoke run measured N=10 THEN the run it adds has the units whose
    // stack comes closest to 500 objects, and is judged against the N=1000 targets only at 10k.
    const perUnit = results.generated[0].objectsPerUnit;
    const o = results.objectSized;
    expect(o.targetObjects).toBe(500);
    expect(Math.abs(o.objects - 500)).toBeLessThanOrEqual(perUnit / 2);
    expect(o.units).toBeGreaterThan(10);
    positive(o.wallMs);
    positive(o.maxRssMB);
    expect(results.targets.targetObjects).toBe(10000);
  });

  it('times the stock cdk8s + ts-node path and the speed-up over it', () => {
    positive(results.stock.medianMs);
    positive(results.stock.objects);
    positive(results.speedup);
    expect(results.targets).toEqual(
      expect.objectContaining({ referenceMs: 400, speedupVsStock: 8, n1000WallMs: 4000, n1000RssMB: 600, growth100to1000: 11 }),
    );
  });
});

// manifestYaml writes YAML with js-yaml (lib/internal/yaml.ts). Whatever its byte format, every document
// must read back as the same object, both as YAML 1.2 and as YAML 1.1 (Kubernetes' go-yaml reads 1.1).
describe('manifestYaml (js-yaml) reads back as the same objects', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const YAML = require('yaml') as typeof import('yaml');
  const fc = require('fast-check') as typeof import('fast-check');
  const { stringifyDocuments } = require('../lib/internal/yaml') as typeof import('../lib/internal/yaml');
  const { environments } = require('../stacks/environments') as typeof import('../stacks/environments');
  const { synthesizeEnv } = require('../stacks/synth') as typeof import('../stacks/synth');
  const { buildGeneratedStack } = require('../bench/generate') as typeof import('../bench/generate');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const readBack = (text: string, version: '1.1' | '1.2') =>
    YAML.parseAllDocuments(text, { version }).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS();
    });
  const same = (docs: unknown[]) => {
    const text = stringifyDocuments(docs);
    expect(readBack(text, '1.2')).toEqual(docs);
    expect(readBack(text, '1.1')).toEqual(docs);
  };

  it('on the reference environments and a generated stack', () => {
    for (const env of Object.values(environments)) for (const f of synthesizeEnv(env).files) same([...f.objects]);
    same(buildGeneratedStack(3).chart.toJson());
  });

  it('on arbitrary JSON documents (quoting, YAML 1.1 types, indicators, escapes, multi-line strings)', () => {
    const unit = fc.constantFrom(...'abAZ09 -_:#,.[]{}&*!|>\'"%@`?\n\t/\\~=<+é\u0085\x01\u2028yYnN'.split(''));
    const str = fc.oneof(
      fc.string({ unit, maxLength: 8 }),
      fc.constantFrom(
        'true',
        'no',
        'on',
        'y',
        '~',
        'null',
        '1',
        '0x1F',
        '0o7',
        '017',
        '0755',
        '1_000',
        '1:20',
        '1.5',
        '.5',
        '.inf',
        '.NaN',
        '2001-12-14',
        '<<',
        '=',
        '---',
        '...',
        '%x',
        '- a',
        '-',
        '-c',
        '?',
        'a: b',
        'a #b',
        'a#b',
        ' a',
        'a ',
        '',
        "it's",
        'say "hi"',
        `"'"`,
        '0b101',
        '+1',
        '-1',
        '1e3',
        '190:20:30',
        'x'.repeat(1200),
        'line 1\nline 2\n',
        '  indented\nblock',
        'trailing\n\n',
      ),
    );
    const leaf = fc.oneof(str, fc.integer(), fc.boolean(), fc.constant(null), fc.double(), fc.constant(-0), fc.constant(2 ** 60));
    const { v } = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
      arr: fc.array(tie('v'), { maxLength: 4 }),
      obj: fc.dictionary(str, tie('v'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.array(v), fc.dictionary(str, v)), { maxLength: 3 }), (docs) => same(docs)),
      { numRuns: 3000 },
    );
    // Every string a YAML 1.1 or 1.2 pattern (the yaml package's schemas) reads as another type.
    const schemaTags = (version: '1.1' | '1.2') => {
      const schema = new YAML.Document(null, { version }).schema as unknown as {
        tags: { test?: RegExp }[];
        compat?: { test?: RegExp }[] | null;
      };
      return [...schema.tags, ...(schema.compat ?? [])].filter((t) => t.test instanceof RegExp).map((t) => t.test!);
    };
    const typed = fc.oneof(...[...schemaTags('1.1'), ...schemaTags('1.2')].map((re) => fc.stringMatching(re)));
    fc.assert(
      fc.property(typed, (x) => same([{ [x]: x, list: [x] }])),
      { numRuns: 3000 },
    );
    // A shared object is written twice, never as an anchor and alias.
    const shared = { a: 1 };
    expect(stringifyDocuments([{ x: shared, y: shared }])).toBe('x:\n  a: 1\n"y":\n  a: 1\n');
    same([{ x: shared, y: shared }, [[]], [{}], { a: [[1, [2]], { b: [] }] }]);
  });
});
