import { ROUTE_RULES } from '../lib/validate/routes';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  assertGate,
  collectGateContext,
  FastApiBackend,
  Finding,
  formatFinding,
  gateErrors,
  gateHeaderLines,
  gateWarnings,
  KstackGateError,
  KstackPropError,
  manifestYaml,
  RULES,
  validateObjects,
  waive,
} from '../lib';
import { environments } from '../stacks/environments';
import { synthesizeEnv } from '../stacks/synth';
import { testChart } from './util';

const ROOT = path.resolve(__dirname, '..');
const NS = 'shop';
const labels = { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'shop' };

/** A small set that passes every rule in prod: a hardened Deployment and everything it refers to. */
function goodSet(): any[] {
  const container = {
    name: 'api',
    image: 'ghcr.io/acme/api:1.2.3',
    ports: [{ name: 'http', containerPort: 8000 }],
    envFrom: [{ configMapRef: { name: 'api-config' } }],
    env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } }],
    readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
    livenessProbe: { httpGet: { path: '/health', port: 8000 } },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 1000 },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: NS, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'api',
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [container],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: NS },
      spec: { selector: labels, ports: [{ name: 'http', port: 8000, targetPort: 'http' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-config', namespace: NS }, data: { PORT: '8000' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: NS }, automountServiceAccountToken: false },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: NS },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'api', namespace: NS },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: NS },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 4 },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'api', namespace: NS },
      spec: {
        rules: [
          {
            host: 'shop.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8000 } } } }] },
          },
        ],
      },
    },
  ];
}

const EXTERNAL = ['Secret/api-token'];

/** Findings of the good set after `mutate` changed it. */
function gate(mutate: (objs: any[]) => void, env = 'prod', external = EXTERNAL): Finding[] {
  const objs = goodSet();
  mutate(objs);
  return validateObjects(objs, { env, external });
}

const deployment = (objs: any[]) => objs[0];
const podSpec = (objs: any[]) => objs[0].spec.template.spec;
const container = (objs: any[]) => objs[0].spec.template.spec.containers[0];
const rules = (findings: readonly Finding[]) => [...new Set(findings.map((f) => f.ruleId))];

describe('validation gate: the good set', () => {
  test('passes every rule in prod with zero findings', () => {
    // GIVEN a hardened Deployment with its Service, ConfigMap, ServiceAccount, policies, HPA, PDB and Ingress
    // WHEN the gate runs for prod
    const findings = gate(() => undefined);
    // THEN nothing is reported
    expect(findings.map(formatFinding)).toEqual([]);
  });
});

/** One row per rule: the mutation that breaks it, and the env it is checked in. */
const cases: ReadonlyArray<{ rule: string; given: string; mutate: (objs: any[]) => void; env?: string; external?: string[] }> = [
  { rule: 'schema/object', given: 'a document without apiVersion and metadata.name', mutate: (o) => o.push({ kind: 'ConfigMap' }) },
  {
    rule: 'schema/openapi',
    given: 'replicas given as a string',
    mutate: (o) => {
      deployment(o).spec.replicas = 'three';
    },
  },
  {
    rule: 'schema/unknown-kind',
    given: 'a custom resource the gate has no schema for',
    mutate: (o) => o.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: NS } }),
  },
  {
    rule: 'schema/name',
    given: 'a ConfigMap named with upper case and underscores',
    mutate: (o) => {
      o[2].metadata.name = 'Api_Config';
    },
  },
  {
    rule: 'schema/labels',
    given: 'a label value of 70 characters',
    mutate: (o) => {
      o[2].metadata.labels = { team: 'x'.repeat(70) };
    },
  },
  {
    rule: 'schema/selector',
    given: 'a selector the pod template labels do not satisfy',
    mutate: (o) => {
      deployment(o).spec.selector = { matchLabels: { app: 'other' } };
    },
  },
  {
    rule: 'schema/port-name',
    given: 'a container port name longer than 15 characters',
    mutate: (o) => {
      container(o).ports[0].name = 'http-api-primary';
      o[1].spec.ports[0].targetPort = 8000;
      container(o).readinessProbe.httpGet.port = 8000;
    },
  },
  {
    rule: 'schema/container-name',
    given: 'an init container with the same name as the main container',
    mutate: (o) => {
      podSpec(o).initContainers = [{ ...container(o), ports: undefined, readinessProbe: undefined, livenessProbe: undefined }];
    },
  },
  {
    rule: 'schema/volume-mount',
    given: 'a mount of a volume the pod does not declare',
    mutate: (o) => {
      container(o).volumeMounts.push({ name: 'cache', mountPath: '/cache' });
    },
  },
  { rule: 'schema/duplicate-object', given: 'the same ConfigMap twice', mutate: (o) => o.push(JSON.parse(JSON.stringify(o[2]))) },
  {
    rule: 'ref/service-selector',
    given: 'a Service selecting labels no pod has',
    mutate: (o) => {
      o[1].spec.selector = { 'app.kubernetes.io/name': 'apii' };
    },
  },
  {
    rule: 'ref/ingress-backend',
    given: 'an Ingress routing to a port the Service lacks',
    mutate: (o) => {
      o[7].spec.rules[0].http.paths[0].backend.service.port.number = 9000;
    },
  },
  {
    rule: 'ref/hpa-target',
    given: 'an HPA scaling a Deployment that does not exist',
    mutate: (o) => {
      o[6].spec.scaleTargetRef.name = 'worker';
    },
  },
  {
    rule: 'ref/probe-port',
    given: 'a readiness probe naming a port the container does not have',
    mutate: (o) => {
      container(o).readinessProbe.httpGet.port = 'metrics';
    },
  },
  {
    rule: 'ref/configmap',
    given: 'envFrom of a ConfigMap that is not in the set',
    mutate: (o) => {
      container(o).envFrom[0].configMapRef.name = 'api-settings';
    },
  },
  { rule: 'ref/secret', given: 'a secretKeyRef to a Secret neither in the set nor external', mutate: () => undefined, external: [] },
  {
    rule: 'ref/pvc',
    given: 'a volume of a PersistentVolumeClaim that is not in the set',
    mutate: (o) => {
      podSpec(o).volumes.push({ name: 'data', persistentVolumeClaim: { claimName: 'api-data' } });
    },
  },
  {
    rule: 'ref/service-account',
    given: 'a serviceAccountName that is not in the set',
    mutate: (o) => {
      podSpec(o).serviceAccountName = 'robot';
    },
  },
  {
    rule: 'pss/host-namespaces',
    given: 'hostNetwork: true',
    mutate: (o) => {
      podSpec(o).hostNetwork = true;
    },
  },
  {
    rule: 'pss/host-ports',
    given: 'a hostPort',
    mutate: (o) => {
      container(o).ports[0].hostPort = 8000;
    },
  },
  {
    rule: 'pss/privileged',
    given: 'a privileged container',
    mutate: (o) => {
      container(o).securityContext.privileged = true;
    },
  },
  {
    rule: 'pss/privilege-escalation',
    given: 'no allowPrivilegeEscalation: false',
    mutate: (o) => {
      delete container(o).securityContext.allowPrivilegeEscalation;
    },
  },
  {
    rule: 'pss/capabilities',
    given: 'an added SYS_ADMIN capability',
    mutate: (o) => {
      container(o).securityContext.capabilities.add = ['SYS_ADMIN'];
    },
  },
  {
    rule: 'pss/run-as-non-root',
    given: 'runAsNonRoot set nowhere',
    mutate: (o) => {
      delete podSpec(o).securityContext.runAsNonRoot;
      delete container(o).securityContext.runAsNonRoot;
    },
  },
  {
    rule: 'pss/seccomp',
    given: 'an Unconfined seccomp profile',
    mutate: (o) => {
      podSpec(o).securityContext.seccompProfile.type = 'Unconfined';
    },
  },
  {
    rule: 'pss/volume-types',
    given: 'a hostPath volume',
    mutate: (o) => {
      podSpec(o).volumes[0] = { name: 'tmp', hostPath: { path: '/var/tmp' } };
    },
  },
  {
    rule: 'pss/proc-sysctls',
    given: 'an unsafe sysctl',
    mutate: (o) => {
      podSpec(o).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }];
    },
  },
  {
    rule: 'policy/resources',
    given: 'no memory limit',
    mutate: (o) => {
      delete container(o).resources.limits;
    },
  },
  {
    rule: 'policy/probes',
    given: 'a long-running container without a liveness probe',
    mutate: (o) => {
      delete container(o).livenessProbe;
    },
  },
  {
    rule: 'policy/image-tag',
    given: "an image tagged 'latest' in prod",
    mutate: (o) => {
      container(o).image = 'ghcr.io/acme/api:latest';
    },
  },
  { rule: 'policy/pdb', given: 'a replicated Deployment without a PodDisruptionBudget in prod', mutate: (o) => o.splice(5, 1) },
  { rule: 'policy/network-policy', given: 'no NetworkPolicy selecting the pods', mutate: (o) => o.splice(4, 1) },
  {
    rule: 'policy/egress-host',
    given: 'an env value naming an external https host under default-deny egress',
    mutate: (o) => {
      o[2].data.PAYMENTS_URL = 'https://api.stripe.com/v1';
    },
  },
  {
    rule: 'policy/secret-literal',
    given: 'a Secret with stringData in prod',
    mutate: (o) =>
      o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-token', namespace: NS }, stringData: { token: 'hunter2' } }),
  },
];

describe('validation gate: one bad object per rule', () => {
  test('the table covers every schema, reference, Pod Security and policy rule (validate-rules.test.ts covers the others)', () => {
    const families = /^(schema|ref|pss|policy)\//;
    // The routers' rules have their rejected/clean pairs in validate-routes.test.ts.
    const own = RULES.map((r) => r.id).filter((id) => families.test(id) && id !== 'ref/namespace' && !ROUTE_RULES.some((r) => r.id === id));
    expect(new Set(cases.map((c) => c.rule))).toEqual(new Set(own));
  });

  test.each(cases)('$rule: reports $given', ({ rule, mutate, env, external }) => {
    // GIVEN the good set with one defect
    // WHEN the gate runs
    const findings = gate(mutate, env ?? 'prod', external ?? EXTERNAL);
    // THEN the rule reports it, naming the env, the object, a message and a fix, on one line each
    const hits = findings.filter((f) => f.ruleId === rule);
    expect(hits.length).toBeGreaterThan(0);
    for (const f of hits) {
      expect(f.env).toBe(env ?? 'prod');
      expect(f.object).toMatch(/^[A-Za-z#]/);
      expect(f.message).not.toMatch(/\n/);
      expect(f.fix.length).toBeGreaterThan(10);
      expect(f.severity).toBe(RULES.find((r) => r.id === rule)!.severity);
    }
  });
});

describe('validation gate: environment-dependent rules', () => {
  test('image tags and literal Secrets are relaxed in dev, where a literal Secret is a warning', () => {
    // GIVEN an unpinned image and a literal Secret
    const mutate = (o: any[]) => {
      container(o).image = 'localhost:5000/api';
      o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-token', namespace: NS }, stringData: { token: 'dev' } });
    };
    // WHEN the gate runs for dev and for staging
    const dev = gate(mutate, 'dev');
    const staging = gate(mutate, 'staging');
    // THEN dev has one warning and no errors; staging has both errors
    expect(gateErrors(dev)).toEqual([]);
    expect(gateWarnings(dev).map((f) => f.ruleId)).toEqual(['policy/secret-literal']);
    expect(rules(gateErrors(staging)).sort()).toEqual(['policy/image-tag', 'policy/secret-literal']);
  });

  test('PodDisruptionBudgets are required in prod only', () => {
    // GIVEN a replicated Deployment without PDB; WHEN gated in staging; THEN no finding
    expect(gate((o) => o.splice(5, 1), 'staging')).toEqual([]);
  });

  test('Jobs and CronJobs need no probes, but the rest of the rules apply', () => {
    // GIVEN a CronJob whose container has no probes
    const findings = gate((o) => {
      const spec = JSON.parse(JSON.stringify(o[0].spec.template));
      delete spec.spec.containers[0].readinessProbe;
      delete spec.spec.containers[0].livenessProbe;
      o.push({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly', namespace: NS },
        spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { ...spec, spec: { ...spec.spec, restartPolicy: 'Never' } } } } },
      });
    });
    // WHEN gated; THEN nothing is reported
    expect(findings.map(formatFinding)).toEqual([]);
  });

  test('an optional ConfigMap reference and an external one are accepted', () => {
    const findings = gate(
      (o) => {
        container(o).envFrom.push({ configMapRef: { name: 'flags', optional: true } }, { configMapRef: { name: 'shared' } });
      },
      'prod',
      [...EXTERNAL, 'ConfigMap/shop/shared'],
    );
    expect(findings).toEqual([]);
  });

  test('a missing key of an existing ConfigMap is reported', () => {
    const findings = gate((o) => {
      container(o).env.push({ name: 'PORT', valueFrom: { configMapKeyRef: { name: 'api-config', key: 'port' } } });
    });
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('key "port" of ConfigMap/shop/api-config')]);
  });

  test('duplicates are detected per API group: same kind and name in different namespaces are fine', () => {
    const findings = gate((o) => {
      const copy = JSON.parse(JSON.stringify(o[2]));
      copy.metadata.namespace = 'other';
      o.push(copy);
    });
    expect(rules(findings)).toEqual([]);
  });
});

describe('validation gate: reference environments', () => {
  test.each(Object.keys(environments))(
    '%s passes with zero errors, warning only that an NginxIngress relies on retired ingress-nginx',
    (name) => {
      // GIVEN the reference environment; WHEN synthesized (the gate runs inside synthesizeEnv)
      const { findings, env } = synthesizeEnv(environments[name]);
      // THEN no error remains, and the one warning is the retired controller's where the env keeps NginxIngress
      expect(gateErrors(findings).map(formatFinding)).toEqual([]);
      expect(gateWarnings(findings).map((f) => f.ruleId)).toEqual(env.router.kind === 'nginx-ingress' ? ['policy/retired-controller'] : []);
    },
  );

  test('the dev literal Secret is waived with a reason, and the waiver is reported', () => {
    // GIVEN dev, whose Postgres has a literal dev password; WHEN synthesized
    const { findings } = synthesizeEnv(environments.dev);
    // THEN the finding is kept, marked waived, with the construct path and the reason
    const waived = findings.filter((f) => f.waived);
    expect(waived).toHaveLength(1);
    expect(waived[0]).toMatchObject({
      ruleId: 'policy/secret-literal',
      severity: 'warning',
      object: 'Secret/kstack-dev/db-credentials',
      path: expect.stringMatching(/^dev\/db\//),
    });
    expect(formatFinding(waived[0])).toMatch(/^waived: policy\/secret-literal on Secret\/kstack-dev\/db-credentials: dev only: /);
  });

  test('findings carry the construct path of the object', () => {
    // GIVEN a backend and a hand-made Deployment without any hardening in the same chart
    const chart = testChart();
    new FastApiBackend(chart, 'api', { image: 'ghcr.io/acme/api:1.0.0' });
    new ApiObject(chart, 'raw', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'raw' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'x', image: 'x:1' }] } },
      },
    });
    // WHEN gated with the context of the chart
    const findings = validateObjects(chart.toJson(), { env: 'prod', ...collectGateContext([chart]) });
    // THEN the raw Deployment's findings name its construct path; the backend has none
    expect(new Set(gateErrors(findings).map((f) => f.path))).toEqual(new Set(['test/raw']));
    expect(rules(gateErrors(findings))).toEqual(
      expect.arrayContaining(['pss/run-as-non-root', 'pss/seccomp', 'policy/resources', 'policy/probes', 'policy/network-policy']),
    );
  });

  test('a waiver applies under its construct only, and is never silent', () => {
    // GIVEN two hand-made Deployments without resources, one under a construct that waives policy/resources
    const chart = testChart();
    const spec = (name: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        selector: { matchLabels: { a: name } },
        template: { metadata: { labels: { a: name } }, spec: { containers: [{ name: 'x', image: 'x:1' }] } },
      },
    });
    const waivedScope = new Construct(chart, 'legacy');
    new ApiObject(waivedScope, 'old', spec('old'));
    new ApiObject(chart, 'new', spec('new'));
    waive(waivedScope, 'policy/resources', 'legacy batch service, sized by the VPA in this cluster');
    // WHEN gated
    const findings = validateObjects(chart.toJson(), { env: 'prod', ...collectGateContext([chart]) }).filter(
      (f) => f.ruleId === 'policy/resources',
    );
    // THEN the waived finding is reported as waived, the other stays an error
    expect(findings.map((f) => [f.object, Boolean(f.waived)])).toEqual(
      expect.arrayContaining([
        [expect.stringMatching(/\/old$/), true],
        [expect.stringMatching(/\/new$/), false],
      ]),
    );
    expect(findings.filter((f) => f.waived).map(formatFinding)).toEqual([
      expect.stringMatching(/^waived: policy\/resources on Deployment\/.*old: legacy batch service/),
    ]);
  });

  test('waive() needs a known rule and a reason', () => {
    const chart = testChart();
    expect(() => waive(chart, 'policy/nope', 'because reasons apply here')).toThrow(KstackPropError);
    expect(() => waive(chart, 'policy/pdb', '')).toThrow(/^test: 'reason' must say why/);
  });

  test('assertGate throws a KstackGateError listing the errors', () => {
    const findings = gate((o) => {
      podSpec(o).hostPID = true;
    });
    expect(() => assertGate(findings)).toThrow(KstackGateError);
    expect(() => assertGate(gate(() => undefined))).not.toThrow();
  });

  test('two constructs producing the same object end in a one-line KstackPropError', () => {
    const chart = testChart();
    new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same' } });
    new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same' } });
    expect(() => collectGateContext([chart])).toThrow(
      /^test\/b: 'name' must be unique per kind and namespace: ConfigMap\/shop\/same is also produced by test\/a, got "same"$/,
    );
  });
});

describe('validation gate: performance', () => {
  test('10k objects are validated in well under 4 s', () => {
    // GIVEN 1,250 copies of the good set (10,000 objects) in 50 namespaces
    const objects: any[] = [];
    for (let i = 0; i < 1250; i++) {
      for (const o of goodSet()) {
        o.metadata.namespace = `ns-${i % 50}`;
        o.metadata.name = `${o.metadata.name}-${i}`;
        objects.push(o);
      }
    }
    // WHEN gated
    const t = performance.now();
    const findings = validateObjects(objects, { env: 'staging', external: ['Secret/api-token'] });
    const ms = performance.now() - t;
    // THEN it is fast (the renamed references produce findings, which must not slow it down)
    expect(findings.length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(4000);
  });
});

describe('kstack validate', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin/kstack.js'), 'validate', ...args], { cwd: ROOT, encoding: 'utf8' });
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-validate-'));
    fs.mkdirSync(path.join(dir, 'nested'));
    const bad = goodSet();
    podSpec(bad).containers[0].securityContext.privileged = true;
    fs.writeFileSync(path.join(dir, 'nested', 'bad.yaml'), manifestYaml(bad));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not yaml');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('exits 1 on errors and prints parseable JSON with --json', () => {
    // GIVEN a directory with a manifest holding a privileged container
    // WHEN validated with --json
    const r = run([dir, '--json', '--external', 'Secret/api-token']);
    // THEN exit code 1 and the JSON lists the findings: the API server refuses privileged with
    // allowPrivilegeEscalation: false, and Pod Security "restricted" refuses privileged
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ env: 'prod', files: 1, objects: 8, errors: 2 });
    expect(report.findings.map((f: Finding) => [f.ruleId, f.object, f.path])).toEqual([
      ['api/security-context', 'Deployment/shop/api', 'nested/bad.yaml#1'],
      ['pss/privileged', 'Deployment/shop/api', 'nested/bad.yaml#1'],
    ]);
  });

  test('prints a table for people', () => {
    const r = run([dir, '--external=Secret/api-token']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^SEVERITY\s+RULE\s+OBJECT\s+MESSAGE\n/);
    expect(r.stdout).toMatch(/^error\s+pss\/privileged\s+Deployment\/shop\/api\s+container "api" is privileged/m);
    expect(r.stdout).toMatch(/2 error\(s\), 0 warning\(s\) in 8 object\(s\) from 1 file\(s\)/);
  });

  /** Writes an environment's files as the synth does: kstack's header line, then the documents. */
  function writeEnv(name: string): string {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `kstack-${name}-`));
    const result = synthesizeEnv(environments[name]);
    const charts = [result.stack.chart, ...(result.stack.argoChart ? [result.stack.argoChart] : [])];
    const header = gateHeaderLines(name, collectGateContext(charts).external, result.findings);
    for (const file of result.files) {
      fs.mkdirSync(path.dirname(path.join(out, file.path)), { recursive: true });
      fs.writeFileSync(path.join(out, file.path), header + manifestYaml(file.objects));
    }
    return out;
  }

  test('GIVEN the synthesized staging output with its header WHEN validated with no flags THEN it passes', () => {
    const out = writeEnv('staging');
    try {
      const r = run([out]);
      expect(r.stdout).toMatch(
        /0 error\(s\), 1 warning\(s\) in \d+ object\(s\) from 2 file\(s\) under .* \[env staging, from the kstack header\]/,
      );
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('GIVEN the dev output WHEN validated with no flags THEN the dev password is the waived dev finding, not an error "in prod"', () => {
    const out = writeEnv('dev');
    try {
      const r = run([out]);
      expect(r.stdout).toMatch(/^waived: policy\/secret-literal on Secret\/kstack-dev\/db-credentials: dev only/m);
      expect(r.stdout).toMatch(/0 error\(s\), 0 warning\(s\) .* \[env dev, from the kstack header\]/);
      expect(r.stdout).not.toMatch(/in prod/);
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('a missing path is an I/O error: exit 2, one clear line', () => {
    const r = run([path.join(dir, 'nope')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `validate: cannot read '${path.join(dir, 'nope')}': no such file or folder (or a dangling symlink)`,
    ]);
  });
});

describe('kstack synth', () => {
  test('prints the waivers on every synth', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-synth-'));
    try {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/kstack.js'), 'synth', '--env', 'dev', '--target', 'k8s', '--out', out], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^waived: policy\/secret-literal on Secret\/kstack-dev\/db-credentials: dev only/m);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
