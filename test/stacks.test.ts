import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { environments } from '../stacks/environments';
import { K8sObject, synthesizeEnv } from '../stacks/synth';
import { manifestYaml } from '../lib';
import { find, findAll, podSpecOf } from './util';

const ROOT = path.join(__dirname, '..');
const ENV_NAMES = Object.keys(environments);
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'CronJob', 'Job', 'DaemonSet']);

function objectsOf(env: string): K8sObject[] {
  return synthesizeEnv(environments[env]).files.flatMap((f) => [...f.objects]);
}

/** kubernetes-models / @kubernetes-models/argo-cd / @kubernetes-models/gateway-api module of an object's apiVersion and kind. */
function schemaModule(obj: K8sObject): string {
  if (obj.apiVersion === 'argoproj.io/v1alpha1') return `@kubernetes-models/argo-cd/argoproj.io/v1alpha1/${obj.kind}`;
  if (obj.apiVersion === 'gateway.networking.k8s.io/v1') return `@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/${obj.kind}`;
  return `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
}

describe.each(ENV_NAMES)('the %s stack', (env) => {
  const objects = objectsOf(env);

  test('matches its snapshot', () => {
    expect(
      synthesizeEnv(environments[env])
        .files.map((f) => `# ${f.path}\n${manifestYaml(f.objects)}`)
        .join('\n'),
    ).toMatchSnapshot();
  });

  test('every object validates against the Kubernetes, Argo CD or Gateway API schema', () => {
    for (const obj of objects) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(schemaModule(obj));
      const model = new mod[obj.kind](obj);
      expect(() => model.validate()).not.toThrow();
    }
  });

  test('object names are unique per kind and namespace, with no hash suffixes', () => {
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of objects) expect(o.metadata.name).not.toMatch(/-c8[0-9a-f]{6}$/);
  });

  test('every pod template meets Pod Security "restricted" field by field', () => {
    const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
    expect(workloads.length).toBeGreaterThan(0);
    for (const w of workloads) {
      const spec = podSpecOf(w);
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(spec.hostNetwork).toBeFalsy();
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          privileged: false,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.securityContext.capabilities.add).toBeUndefined();
        expect(c.securityContext.runAsUser).toBeGreaterThan(0);
      }
      for (const v of spec.volumes ?? [])
        expect(Object.keys(v).filter((k) => k !== 'name')).toEqual([
          expect.stringMatching(/^(emptyDir|persistentVolumeClaim|configMap|secret|projected|downwardAPI|ephemeral|csi)$/),
        ]);
    }
  });

  test('a Deployment has either replicas or an HPA, never both', () => {
    for (const d of findAll(objects, 'Deployment')) {
      const hpa = findAll(objects, 'HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === d.metadata.name);
      expect(hpa === undefined).toBe(d.spec.replicas !== undefined);
    }
  });

  test('the namespace exists with a default-deny policy, and every Service selects pods', () => {
    const ns = environments[env].namespace;
    expect(find(objects, 'Namespace', ns)).toBeDefined();
    expect(find(objects, 'NetworkPolicy', 'default-deny').spec.podSelector).toEqual({});
    const templates = objects
      .filter((o) => WORKLOAD_KINDS.has(o.kind) && o.kind !== 'CronJob')
      .map((w: any) => w.spec.template.metadata.labels);
    for (const svc of findAll(objects, 'Service')) {
      const selector = svc.spec.selector as Record<string, string>;
      expect(templates.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v))).toBe(true);
    }
  });

  test('common labels are on every namespaced object', () => {
    for (const o of objects.filter((x) => x.metadata.namespace === environments[env].namespace)) {
      const labels = (o.metadata as any).labels;
      expect(Object.keys(labels)).toEqual(
        expect.arrayContaining([
          'app.kubernetes.io/part-of',
          'app.kubernetes.io/instance',
          'app.kubernetes.io/version',
          'app.kubernetes.io/managed-by',
        ]),
      );
    }
  });
});

describe('environment differences', () => {
  test('dev: one replica each, in-cluster Postgres with a literal password, no TLS, no Argo CD', () => {
    const objects = objectsOf('dev');
    expect(find(objects, 'Deployment', 'api').spec.replicas).toBe(1);
    expect(find(objects, 'StatefulSet', 'db')).toBeDefined();
    expect(find(objects, 'Secret', 'db-credentials').stringData.password).toBeDefined();
    expect(find(objects, 'Gateway', 'app').spec.listeners.map((l: any) => l.protocol)).toEqual(['HTTP']);
    expect(findAll(objects, 'Application')).toHaveLength(0);
  });

  test("dev: routes through the Gateway API on k3d's Traefik, with no Ingress; staging and prod keep NginxIngress", () => {
    const dev = objectsOf('dev');
    expect(findAll(dev, 'Ingress')).toHaveLength(0);
    expect(find(dev, 'Gateway', 'app').spec).toMatchObject({ gatewayClassName: 'traefik', listeners: [{ name: 'http', port: 8000 }] });
    const route = find(dev, 'HTTPRoute', 'app');
    expect(route.spec.parentRefs).toEqual([{ name: 'app' }]);
    expect(route.spec.hostnames).toEqual(['app.localhost']);
    expect(route.spec.rules.map((r: any) => [r.matches[0].path.value, r.backendRefs[0].name, r.filters?.[0].type ?? 'none'])).toEqual([
      ['/api', 'api', 'URLRewrite'],
      ['/', 'web', 'none'],
    ]);
    expect(find(dev, 'NetworkPolicy', 'api-allow-ingress-app').spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } },
    ]);
    for (const env of ['staging', 'prod']) {
      const objects = objectsOf(env);
      expect(findAll(objects, 'HTTPRoute')).toHaveLength(0);
      expect(find(objects, 'Ingress', 'ingress').spec.ingressClassName).toBe('nginx');
    }
  });

  test('staging: HPA, backups, TLS via cert-manager, Argo CD, no literal Secret', () => {
    const objects = objectsOf('staging');
    expect(find(objects, 'HorizontalPodAutoscaler', 'api').spec.minReplicas).toBe(2);
    expect(find(objects, 'CronJob', 'db-backup')).toBeDefined();
    expect(find(objects, 'Ingress', 'ingress').metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-staging');
    expect(find(objects, 'Application', 'kstack-demo-staging')).toBeDefined();
    expect(findAll(objects, 'Secret')).toHaveLength(0);
  });

  test('prod: HPA from 3, PDBs, managed Postgres by Secret reference, TLS, Argo CD with prune and selfHeal', () => {
    const objects = objectsOf('prod');
    for (const name of ['api', 'web']) {
      expect(find(objects, 'HorizontalPodAutoscaler', name).spec.minReplicas).toBeGreaterThanOrEqual(3);
      expect(find(objects, 'PodDisruptionBudget', name)).toBeDefined();
    }
    expect(findAll(objects, 'StatefulSet')).toHaveLength(0);
    expect(findAll(objects, 'Secret')).toHaveLength(0);
    const env = podSpecOf(find(objects, 'Deployment', 'api')).containers[0].env;
    expect(env.find((e: any) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef.name).toBe('db-credentials');
    expect(find(objects, 'Application', 'kstack-demo-prod').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });
});

describe('synth command', () => {
  test('writes dist/<env>/ for all envs, byte-identical across runs', () => {
    const a = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-a-'));
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-b-'));
    try {
      for (const out of [a, b]) execFileSync(process.execPath, ['bin/kstack.js', 'synth', '--out', out], { cwd: ROOT, stdio: 'pipe' });
      for (const env of ENV_NAMES) {
        const file = path.join(env, 'app.k8s.yaml');
        expect(fs.readFileSync(path.join(a, file), 'utf8')).toBe(fs.readFileSync(path.join(b, file), 'utf8'));
      }
      expect(fs.existsSync(path.join(a, 'prod', 'argocd', 'application.k8s.yaml'))).toBe(true);
      expect(fs.existsSync(path.join(a, 'dev', 'argocd'))).toBe(false);
    } finally {
      fs.rmSync(a, { recursive: true, force: true });
      fs.rmSync(b, { recursive: true, force: true });
    }
  });

  test('`cdk8s synth` runs the same synth (cdk8s.yaml) and writes the same files', () => {
    const viaCli = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-cdk8s-'));
    const direct = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-direct-'));
    try {
      execFileSync(process.execPath, ['node_modules/cdk8s-cli/bin/cdk8s', 'synth', '--no-check-upgrade', '--output', viaCli], {
        cwd: ROOT,
        stdio: 'pipe',
      });
      execFileSync(process.execPath, ['bin/kstack.js', 'synth', '--out', direct], { cwd: ROOT, stdio: 'pipe' });
      for (const env of ENV_NAMES) {
        const file = path.join(env, 'app.k8s.yaml');
        expect(fs.readFileSync(path.join(viaCli, file), 'utf8')).toBe(fs.readFileSync(path.join(direct, file), 'utf8'));
      }
    } finally {
      fs.rmSync(viaCli, { recursive: true, force: true });
      fs.rmSync(direct, { recursive: true, force: true });
    }
  });

  test('--env writes one environment; an unknown env is one clear error', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-one-'));
    try {
      execFileSync(process.execPath, ['bin/kstack.js', 'synth', '--env', 'prod', '--out', out], { cwd: ROOT, stdio: 'pipe' });
      expect(fs.readdirSync(out)).toEqual(['prod']);
      let stderr = '';
      try {
        execFileSync(process.execPath, ['bin/kstack.js', 'synth', '--env', 'qa', '--out', out], { cwd: ROOT, stdio: 'pipe' });
      } catch (err) {
        stderr = String((err as { stderr: Buffer }).stderr);
      }
      expect(stderr.split('\n')[0]).toBe('synth: unknown environment "qa" in stacks/index.ts; known: dev, staging, prod');
      expect(stderr).toMatch(/^usage: kstack synth /m);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
