import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Finding, formatFinding, validateObjects } from '../lib';

/**
 * The independent suite: manifests the Kubernetes API server (or Pod Security admission
 * "restricted") refuses, each with a clean twin it accepts, written from the Go validation code
 * named in each file's `# source:` line (test/fixtures/apiserver/). The gate must catch at least
 * 95% of the rejections and reject none of the twins.
 */
const DIR = path.join(__dirname, 'fixtures', 'apiserver');
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** Findings that stand for an API-server (or, for pss-* cases, Pod Security admission) rejection. */
function rejections(file: string, findings: readonly Finding[]): Finding[] {
  const families = file.startsWith('pss-') ? ['schema/', 'api/', 'pss/'] : ['schema/', 'api/'];
  return findings.filter((f) => f.severity === 'error' && families.some((p) => f.ruleId.startsWith(p)));
}

function load(file: string): { source: string; bad: unknown; clean: unknown } {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  const source = /^# source: (.+)$/m.exec(text)?.[1] ?? '';
  const docs = parseAllDocuments(text, { version: '1.1' });
  const list = Array.isArray(docs) ? docs : [docs];
  return { source, bad: list[0].toJS(), clean: list[1].toJS() };
}

describe('independent suite of API-server rejections (test/fixtures/apiserver)', () => {
  test('has at least 60 cases, each naming its Go source and holding a rejected manifest and its clean twin', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
    for (const f of files) {
      const { source, bad, clean } = load(f);
      expect(source).toMatch(/^kubernetes (pkg|staging)\/.+\.go/);
      expect(bad).toBeInstanceOf(Object);
      expect(clean).toBeInstanceOf(Object);
    }
  });

  test('GIVEN every rejection WHEN gated THEN at least 95% are caught, and no clean twin is rejected', () => {
    const missed: string[] = [];
    const falseRejections: string[] = [];
    for (const f of files) {
      const { bad, clean } = load(f);
      if (rejections(f, validateObjects([bad], { env: 'dev' })).length === 0) missed.push(f);
      const wrong = rejections(f, validateObjects([clean], { env: 'dev' }));
      if (wrong.length > 0) falseRejections.push(`${f}: ${wrong.map(formatFinding).join(' | ')}`);
    }
    const caught = files.length - missed.length;
    // Printed so that a regression names its cases.
    if (missed.length > 0) console.log(`missed ${missed.length} of ${files.length}:\n${missed.join('\n')}`);
    expect(falseRejections).toEqual([]);
    expect(caught / files.length).toBeGreaterThanOrEqual(0.95);
  });
});
