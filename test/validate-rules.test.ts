import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Finding, RULES, validateObjects } from '../lib';

/**
 * Every rule of the catalogue has a manifest it rejects and a clean twin it passes: the
 * independent suite (test/fixtures/apiserver) for the API server's rules, the table below for the
 * rules of Argo CD, ingress-nginx, container runtimes and namespaces, validate-gate.test.ts for the
 * schema, reference, Pod Security and policy rules, validate-input.test.ts for the input rules.
 */
const ROOT = path.resolve(__dirname, '..');
const SUITE = path.join(__dirname, 'fixtures', 'apiserver');
const NS = 'shop';

const hardenedPod = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'web',
        image: 'ghcr.io/acme/web:1.0.0',
        ports: [{ name: 'http', containerPort: 8000 }],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        ...container,
      },
    ],
    ...extra,
  },
});

const application = (source: Record<string, unknown>, retry: unknown = 5) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'shop', namespace: 'argocd' },
  spec: {
    project: 'default',
    source: { repoURL: 'https://github.com/acme/shop.git', targetRevision: 'main', path: 'dist/prod', ...source },
    destination: { server: 'https://kubernetes.default.svc', namespace: NS },
    syncPolicy: { retry: { limit: retry } },
  },
});

const ingress = (name: string, paths: string[], annotations: Record<string, string> = {}) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: NS, annotations },
  spec: {
    ingressClassName: 'nginx',
    rules: [
      {
        host: 'shop.example.com',
        http: {
          paths: paths.map((p) => ({
            path: p,
            pathType: annotations['nginx.ingress.kubernetes.io/use-regex'] ? 'ImplementationSpecific' : 'Prefix',
            backend: { service: { name: 'web', port: { number: 80 } } },
          })),
        },
      },
    ],
  },
});

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const configMap = (ns: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: ns },
  data: { a: 'b' },
});

/** Rules outside the API server's validation code: the bad set, and its clean twin. */
const table: ReadonlyArray<{ rule: string; given: string; bad: unknown[]; clean: unknown[] }> = [
  {
    rule: 'argo/repo-credentials',
    given: 'an Application whose repoURL carries a token',
    bad: [application({ repoURL: 'https://x-access-token:ghp_s3cr3t@github.com/acme/shop.git' })],
    clean: [application({ repoURL: 'git@github.com:acme/shop.git' })],
  },
  {
    rule: 'argo/application',
    given: 'a targetRevision with a newline and a retry limit of 1e300',
    bad: [application({ targetRevision: 'main\nevil' }, 1e300)],
    clean: [application({ targetRevision: 'v1.2.3' }, 10)],
  },
  {
    rule: 'ingress/regex-path',
    given: 'a use-regex Ingress path that is not a valid regex',
    bad: [ingress('web-strip', ['/a(b(/|$)(.*)'], { 'nginx.ingress.kubernetes.io/use-regex': 'true' })],
    clean: [ingress('web-strip', ['/a\\(b(/|$)(.*)'], { 'nginx.ingress.kubernetes.io/use-regex': 'true' })],
  },
  {
    rule: 'ingress/regex-path',
    given: "a plain Prefix path with '.' on a host where another Ingress uses regex",
    bad: [ingress('web', ['/v1.0']), ingress('web-strip', ['/api(/|$)(.*)'], { 'nginx.ingress.kubernetes.io/use-regex': 'true' })],
    clean: [ingress('web', ['/v1-0']), ingress('web-strip', ['/api(/|$)(.*)'], { 'nginx.ingress.kubernetes.io/use-regex': 'true' })],
  },
  {
    rule: 'ingress/duplicate-route',
    given: 'two Ingresses of one class routing the same host and path',
    bad: [ingress('a', ['/api']), ingress('b', ['/api'])],
    clean: [ingress('a', ['/api']), ingress('b', ['/admin'])],
  },
  {
    rule: 'runtime/mount-root',
    given: "a cache volume mounted at '/'",
    bad: [hardenedPod({ volumes: [{ name: 'cache', emptyDir: {} }] }, { volumeMounts: [{ name: 'cache', mountPath: '/' }] })],
    clean: [hardenedPod({ volumes: [{ name: 'cache', emptyDir: {} }] }, { volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })],
  },
  {
    rule: 'runtime/port-env',
    given: 'PORT=9000 while the containerPort is 8000',
    bad: [hardenedPod({}, { env: [{ name: 'PORT', value: '9000' }] })],
    clean: [hardenedPod({}, { env: [{ name: 'PORT', value: '8000' }] })],
  },
  {
    rule: 'ref/namespace',
    given: 'a set creating namespace shop-prod with objects in namespace shop',
    bad: [namespace('shop-prod'), configMap('shop')],
    clean: [namespace('shop'), configMap('shop')],
  },
];

function suiteCoverage(): Map<string, string> {
  const covered = new Map<string, string>();
  for (const f of fs.readdirSync(SUITE).filter((x) => x.endsWith('.yaml'))) {
    const docs = parseAllDocuments(fs.readFileSync(path.join(SUITE, f), 'utf8'), { version: '1.1' });
    const [bad, clean] = (Array.isArray(docs) ? docs : [docs]).map((d) => d.toJS());
    const fired = (o: unknown) =>
      new Set(
        validateObjects([o], { env: 'dev' })
          .filter((x) => x.severity === 'error')
          .map((x) => x.ruleId),
      );
    const cleanRules = fired(clean);
    for (const r of fired(bad)) if (!cleanRules.has(r) && !covered.has(r)) covered.set(r, f);
  }
  return covered;
}

const errorsOf = (findings: readonly Finding[], rule: string) => findings.filter((f) => f.ruleId === rule && !f.waived);

describe('every rule has a rejected manifest and a clean twin', () => {
  test.each(table)('$rule: reports $given, and not its clean twin', ({ rule, bad, clean }) => {
    // GIVEN the bad set and its twin; WHEN gated; THEN only the bad set gets the rule's finding, on one line
    const hits = errorsOf(validateObjects(bad, { env: 'prod' }), rule);
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(h.message).not.toMatch(/\n/);
    expect(errorsOf(validateObjects(clean, { env: 'prod' }), rule)).toEqual([]);
  });

  test('the repoURL finding never shows the credentials', () => {
    const findings = validateObjects(table[0].bad, { env: 'prod' });
    expect(JSON.stringify(findings)).not.toContain('ghp_s3cr3t');
    expect(errorsOf(findings, 'argo/repo-credentials')[0].message).toContain('https://***@github.com/acme/shop.git');
  });

  test('each API-server rule (api/*) is caught on a case of the independent suite whose twin passes it', () => {
    const covered = suiteCoverage();
    const missing = RULES.filter((r) => r.id.startsWith('api/') && !covered.has(r.id)).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  test('the families are covered: api/* by the suite, the rest by this table, validate-gate and validate-input', () => {
    const gateFamilies = [
      'schema/',
      'ref/service-selector',
      'ref/ingress-backend',
      'ref/hpa-target',
      'ref/probe-port',
      'ref/configmap',
      'ref/secret',
      'ref/pvc',
      'ref/service-account',
      'ref/route-',
      'pss/',
      'policy/',
    ];
    const rest = RULES.map((r) => r.id).filter(
      (id) => !id.startsWith('api/') && !id.startsWith('input/') && !gateFamilies.some((p) => id.startsWith(p)),
    );
    expect(new Set(table.map((t) => t.rule))).toEqual(new Set(rest));
  });

  test('docs/validate.md has a row for every rule, naming its source', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/validate.md'), 'utf8');
    for (const r of RULES) {
      expect(doc).toContain(`| \`${r.id}\` | ${r.severity} |`);
      if (r.source) expect(doc).toContain(r.source);
    }
    for (const r of RULES.filter((x) => x.id.startsWith('api/'))) expect(r.source).toBeDefined();
  });
});
