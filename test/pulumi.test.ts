/**
 * This repository's Pulumi program (bin/pulumi: a reader of `kstack:*` config over the
 * KstackDeployment component of kstack/pulumi) under `pulumi.runtime.setMocks`: no CLI, cluster
 * or Docker engine. What only a real `pulumi up` shows is listed in docs/pulumi.md.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, App } from 'cdk8s';
import { parse } from 'yaml';
import { deployStack } from '../bin/pulumi/program';
import { hashBuildContext, INGRESS_NGINX_CHART_VERSION, KstackDeployment } from '../lib/pulumi';
import { buildAppStack } from '../stacks/app-stack';
import { EnvConfig, environments } from '../stacks/environments';
import { synthesizeEnv } from '../stacks/synth';
import stackDefinition from '../stacks';
import { manifestYaml, SecretValue } from '../lib';
import {
  expectCleanFailure,
  isK8sObject,
  keyOf,
  MOCK_PASSWORD,
  monitorState,
  registered,
  requestOf,
  settled,
  useMocks,
  valueOf,
} from './pulumi-mocks';

const ROOT = path.resolve(__dirname, '..');
const TYPE = KstackDeployment.TYPE;

/** The `kstack:*` config a committed Pulumi.<stack>.yaml sets (keys without the prefix). */
function stackFile(stack: string): Record<string, string> {
  const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as { config?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k.replace(/^kstack:/, ''), String(v)]));
}

/** The committed stack file, plus a context for the stacks that leave it to the user. */
const configOf = (env: string): Record<string, string> => ({ kubeContext: `ctx-${env}`, ...stackFile(env) });

const yamlOf = (env: string) =>
  synthesizeEnv(environments[env])
    .files.map((f) => manifestYaml(f.objects))
    .join('---\n');

async function deploy(stack: string, config: Record<string, string>): Promise<KstackDeployment> {
  useMocks(stack, config);
  const d = deployStack();
  await settled(d);
  return d;
}

describe.each(['dev', 'staging', 'prod'])('GIVEN the committed Pulumi.%s.yaml', (envName) => {
  const env = environments[envName];
  let d: KstackDeployment;

  beforeAll(async () => {
    d = await deploy(envName, configOf(envName));
  });

  test('WHEN deployed THEN every synthesized object is its own resource, and nothing else but the generated Secret', () => {
    const expected = new Set(
      synthesizeEnv(env)
        .files.flatMap((f) => f.objects)
        .map(keyOf),
    );
    // Staging's in-cluster database has no Secret in the YAML (created out of band there): the deployment creates it.
    if (envName === 'staging') expected.add('Secret/kstack-staging/db-credentials');
    const objects = registered.filter(isK8sObject);
    const actual = objects.map((r) => keyOf(r.inputs));
    expect(actual.length).toBe(new Set(actual).size);
    expect(new Set(actual)).toEqual(expected);
    for (const r of objects) {
      expect(r.name).toBe(
        ['kstack', r.inputs.kind, r.inputs.metadata.namespace, r.inputs.metadata.name].filter(Boolean).join('-').toLowerCase(),
      );
      expect(r.type).toBe(
        `kubernetes:${r.inputs.apiVersion.includes('/') ? r.inputs.apiVersion : `core/${r.inputs.apiVersion}`}:${r.inputs.kind}`,
      );
    }
    expect(objects.some((r) => r.inputs.kind === 'Application')).toBe(env.argo !== undefined);
  });

  test('THEN the Namespace comes first, the Argo CD Application after everything else, Deployments after their images', () => {
    const ns = d.resources.get(`Namespace//${env.namespace}`)!;
    for (const [key, opts] of d.resourceOptions) {
      const deps = opts.dependsOn as pulumi.Resource[];
      if (key.startsWith('Namespace/')) expect(deps).toEqual([]);
      else expect(deps).toContain(ns);
      if (key.startsWith('Application/')) {
        for (const [k, r] of d.resources) expect(deps.includes(r)).toBe(k !== key);
      }
    }
    for (const [key, image] of d.images) expect(d.resourceOptions.get(`Deployment/${key}`)!.dependsOn).toContain(image);
  });

  test('THEN one explicit provider with the configured context and server-side apply, used by every object', () => {
    const providers = registered.filter((r) => r.type === 'pulumi:providers:kubernetes');
    expect(providers).toHaveLength(1);
    expect(providers[0].inputs.context).toBe(configOf(envName).kubeContext);
    expect(String(providers[0].inputs.enableServerSideApply)).toBe('true');
    for (const r of registered.filter(isK8sObject)) expect(r.provider).toMatch(/::kstack-k8s::kstack-k8s_id$/);
  });

  test('THEN every resource is a child of the component, and the engine gets the dependencies', () => {
    const component = `urn:pulumi:${envName}::kstack::${TYPE}::kstack`;
    expect(registered.filter((r) => r.type === TYPE).map((r) => r.name)).toEqual(['kstack']);
    for (const r of registered.filter((x) => x.type !== TYPE)) expect(requestOf(r).parent).toBe(component);
    const child = (type: string, name: string) => `urn:pulumi:${envName}::kstack::${TYPE}$${type}::${name}`;
    const api = registered.find((r) => r.inputs.kind === 'Deployment' && r.inputs.metadata.name === 'api')!;
    expect(requestOf(api).dependencies).toEqual(
      expect.arrayContaining([child('kubernetes:core/v1:Namespace', `kstack-namespace-${env.namespace}`)]),
    );
    if (env.build) expect(requestOf(api).dependencies).toContain(child('docker:index/image:Image', `kstack-image-${env.namespace}-api`));
  });

  test('THEN the component registers its outputs: namespaces, URLs, image references', () => {
    const outputs = monitorState().get(`urn:pulumi:${envName}::kstack::${TYPE}::kstack`) as Record<string, any>;
    // The Argo CD Application lives in Argo CD's namespace.
    const namespaces = env.argo ? [env.namespace, 'argocd'] : [env.namespace];
    expect(outputs).toEqual({ namespaces, urls: [`${env.tls ? 'https' : 'http'}://${env.host}`], images: d.imageRefs });
    for (const dep of registered.filter((r) => r.inputs.kind === 'Deployment'))
      expect(d.imageRefs[`${env.namespace}/${dep.inputs.metadata.name}`]).toBe(dep.inputs.spec.template.spec.containers[0].image);
    expect(d.imageRefs[`${env.namespace}/db`] ?? 'postgres:16.10').toBe('postgres:16.10');
  });

  test('THEN every resource the earlier program registered that still exists is aliased to its earlier URN', () => {
    // test/fixtures/pulumi/stop10-urns.json: the URNs the program of commit 653b28f registered
    // under the same mocks and stack files (before the KstackDeployment component).
    const earlier: string[] = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/pulumi/stop10-urns.json'), 'utf8'))[envName];
    // One alias per resource but the component (an alias to a URN the state lacks is ignored: new objects have one too).
    for (const r of registered) expect(requestOf(r).aliases).toHaveLength(r.type === TYPE ? 0 : 1);
    const aliased = registered.flatMap((r) => requestOf(r).aliases);
    expect(aliased.length).toBe(new Set(aliased).size);
    // What is not aliased is what this round removed on purpose (#17): dev's Ingresses and their policy, ingress-nginx.
    const gone = earlier.filter((urn) => !aliased.includes(urn)).map((urn) => urn.split('::').slice(2).join('::'));
    const removed =
      envName === 'dev'
        ? [
            'kubernetes:helm.sh/v3:Release::ingress-nginx',
            'kubernetes:networking.k8s.io/v1:Ingress::ingress-kstack-dev-ingress',
            'kubernetes:networking.k8s.io/v1:Ingress::ingress-kstack-dev-ingress-strip',
            'kubernetes:networking.k8s.io/v1:NetworkPolicy::networkpolicy-kstack-dev-api-allow-ingress-ingress',
            'kubernetes:networking.k8s.io/v1:NetworkPolicy::networkpolicy-kstack-dev-web-allow-ingress-ingress',
          ]
        : [];
    expect(gone.sort()).toEqual(removed);
    // The generated password keeps its state, so the database keeps the password its data directory knows.
    const password = registered.filter((r) => r.type === 'random:index/randomPassword:RandomPassword');
    expect(password.map((r) => requestOf(r).aliases)).toEqual(earlier.filter((urn) => urn.includes('RandomPassword')).map((urn) => [urn]));
  });

  test('THEN no ingress-nginx; the Gateway API set up only when the environment routes through it', () => {
    expect(registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release')).toEqual([]);
    expect(registered.filter((r) => r.type.startsWith('kubernetes:yaml/'))).toEqual([]);
    const gatewayApi = d.plan.description.routers.some((r) => r.kind === 'gateway-api');
    // Pulumi.dev.yaml names k3s's Traefik; staging and prod name no controller.
    const expected = gatewayApi && configOf(envName).gatewayController === 'k3s-traefik' ? 1 : 0;
    expect(registered.filter((r) => r.type === 'kubernetes:helm.cattle.io/v1:HelmChartConfig')).toHaveLength(expected);
    expect(d.prerequisites).toHaveLength(expected);
  });
});

describe('GIVEN dev on k3d (images built from examples/fullstack)', () => {
  beforeAll(async () => {
    await deploy('dev', configOf('dev'));
  });

  test.each([
    ['api', 'backend', 'kstack-backend'],
    ['web', 'frontend', 'kstack-frontend'],
  ])(
    'THEN %s: docker.Image gets the build context and Dockerfile; the Deployment pulls the content-tagged image',
    (workload, folder, repo) => {
      const context = `examples/fullstack/${folder}`;
      const tag = hashBuildContext(path.join(ROOT, context), 'Dockerfile').slice(0, 16);
      const image = registered.find((r) => r.type === 'docker:index/image:Image' && r.name === `kstack-image-kstack-dev-${workload}`);
      expect(image?.inputs).toMatchObject({
        imageName: `localhost:5000/${repo}:${tag}`,
        build: { context, dockerfile: `${context}/Dockerfile` },
        skipPush: false,
      });
      const dep = registered.find((r) => r.inputs.kind === 'Deployment' && r.inputs.metadata.name === workload)!;
      const spec = dep.inputs.spec.template.spec;
      const pulled = `k3d-kstack-registry:5000/${repo}:${tag}`;
      expect(spec.containers.map((c: any) => c.image)).toEqual([pulled]);
      // The migration init container runs the same image.
      for (const c of spec.initContainers ?? []) expect(c.image).toBe(pulled);
      expect(JSON.stringify(registered)).not.toContain(`${repo}:dev`);
    },
  );

  test('WHEN an env has no build contexts THEN nothing is built and its references are used as they are', async () => {
    await deploy('prod', { kubeContext: 'ctx-prod' });
    expect(registered.filter((r) => r.type.startsWith('docker:'))).toHaveLength(0);
    const images = registered
      .filter((r) => r.inputs.kind === 'Deployment')
      .map((r) => r.inputs.spec.template.spec.containers[0].image)
      .sort();
    expect(images).toEqual(['ghcr.io/kstack-dev/kstack-backend:0.1.0', 'ghcr.io/kstack-dev/kstack-frontend:0.1.0']);
  });

  test('WHEN imageMode is docker-env (Minikube) THEN images are built without a push and keep the repository name', async () => {
    await deploy('dev', { kubeContext: 'minikube', imageMode: 'docker-env' });
    const image = registered.find((r) => r.name === 'kstack-image-kstack-dev-api')!;
    expect(image.inputs.skipPush).toBe(true);
    expect(image.inputs.imageName).toMatch(/^localhost:5000\/kstack-backend:[0-9a-f]{16}$/);
    const dep = registered.find((r) => r.inputs.kind === 'Deployment' && r.inputs.metadata.name === 'api')!;
    expect(dep.inputs.spec.template.spec.containers[0].image).toBe(image.inputs.imageName);
  });
});

describe('GIVEN the retired ingress-nginx', () => {
  test('WHEN kstack:installIngressNginx is true THEN a pinned Helm release, and the Ingresses wait for it', async () => {
    const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
    const d = await deploy('staging', { ...configOf('staging'), installIngressNginx: 'true' });
    // Said once, at every `pulumi up`.
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      expect.stringMatching(/^ingress-nginx is retired \(no releases or security fixes since March 2026\)/),
    ]);
    warn.mockRestore();
    const releases = registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release');
    expect(releases).toHaveLength(1);
    expect(releases[0].inputs).toMatchObject({
      chart: 'ingress-nginx',
      version: INGRESS_NGINX_CHART_VERSION,
      repositoryOpts: { repo: 'https://kubernetes.github.io/ingress-nginx' },
      namespace: 'ingress-nginx',
      createNamespace: true,
    });
    expect(releases[0].provider).toMatch(/::kstack-k8s_id$/);
    const ingresses = [...d.resourceOptions].filter(([k]) => k.startsWith('Ingress/'));
    expect(ingresses.length).toBeGreaterThan(0);
    for (const [, opts] of ingresses) expect(opts.dependsOn).toEqual(expect.arrayContaining([...d.prerequisites]));
    expect(d.prerequisites).toHaveLength(1);
  });
});

describe('GIVEN the database password', () => {
  test.each(['dev', 'staging'])(
    'WHEN %s is deployed THEN it is generated, secret, in the credentials Secret only, never in the YAML',
    async (envName) => {
      const d = await deploy(envName, configOf(envName));
      const passwords = registered.filter((r) => r.type === 'random:index/randomPassword:RandomPassword');
      expect(passwords).toHaveLength(1);
      expect(passwords[0].inputs).toMatchObject({ length: 32, special: false });
      const key = `Secret/${environments[envName].namespace}/db-credentials`;
      // RandomPassword.result is a secret output by the engine (additionalSecretOutputs), which mocks
      // do not enforce; what the component derives from it is wrapped explicitly.
      expect(await pulumi.isSecret(d.credentials.get(key)!)).toBe(true);
      const secret = d.resources.get(key) as any;
      expect(await pulumi.isSecret(secret.stringData)).toBe(true);
      expect(d.resourceOptions.get(key)!.additionalSecretOutputs).toEqual(['data', 'stringData']);
      expect(await valueOf<Record<string, string>>(secret.stringData)).toEqual({
        database: 'app',
        user: 'app',
        host: 'db',
        port: '5432',
        password: MOCK_PASSWORD,
        url: `postgresql://app:${MOCK_PASSWORD}@db:5432/app`,
      });
      // Nowhere else: not in other resources, not in the synthesized YAML, not in the stack config.
      const others = registered.filter(
        (r) => !(r.type === 'kubernetes:core/v1:Secret' && keyOf(r.inputs) === key) && !r.type.startsWith('random:'),
      );
      expect(JSON.stringify(others)).not.toContain(MOCK_PASSWORD);
      expect(yamlOf(envName)).not.toContain(MOCK_PASSWORD);
      expect(JSON.stringify(pulumi.runtime.allConfig())).not.toContain(MOCK_PASSWORD);
    },
  );

  test("WHEN dev is deployed THEN the YAML path's literal devPassword reaches no resource", async () => {
    const literal = (environments.dev.database as { devPassword?: SecretValue }).devPassword!.unsafeUnwrap();
    expect(yamlOf('dev')).toContain(literal);
    await deploy('dev', configOf('dev'));
    expect(JSON.stringify(registered)).not.toContain(literal);
  });

  test('WHEN prod (managed database) is deployed THEN no password and no Secret', async () => {
    const d = await deploy('prod', configOf('prod'));
    expect(d.passwords.size).toBe(0);
    expect(registered.some((r) => r.type.startsWith('random:') || r.type === 'kubernetes:core/v1:Secret')).toBe(false);
  });

  test('WHEN staging is deployed THEN its added Secret carries the Argo CD annotations that keep it from being pruned', async () => {
    await deploy('staging', configOf('staging'));
    expect(registered.find((r) => r.type === 'kubernetes:core/v1:Secret')!.inputs.metadata).toMatchObject({
      labels: { 'app.kubernetes.io/instance': 'kstack-demo-staging' },
      annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false', 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' },
    });
  });
});

describe('GIVEN bad input: one clear error before any resource', () => {
  const expectNothingRegistered = expectCleanFailure;

  test('fails when the stack is unknown', async () => {
    useMocks('qa', { kubeContext: 'k3d-kstack' });
    await expectNothingRegistered(() => deployStack(), /unknown stack 'qa'.*dev, staging, prod/);
  });

  test('fails when kubeContext is missing', async () => {
    useMocks('dev', { registry: 'localhost:5000' });
    await expectNothingRegistered(() => deployStack(), /stack dev: 'kstack:kubeContext' must be set: pulumi config set kstack:kubeContext/);
  });

  test('fails when imageMode is unknown', async () => {
    useMocks('dev', { kubeContext: 'k3d-kstack', imageMode: 'kind-load' });
    await expectNothingRegistered(() => deployStack(), /'kstack:imageMode' must be one of registry, docker-env, got "kind-load"/);
  });

  test('fails when a flag is not a boolean', async () => {
    useMocks('dev', { kubeContext: 'k3d-kstack', installIngressNginx: 'yes' });
    await expectNothingRegistered(() => deployStack(), /'kstack:installIngressNginx' must be true or false, got "yes"/);
  });

  test('fails when the build context folders do not exist', async () => {
    useMocks('dev', configOf('dev'));
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-pulumi-'));
    await expectNothingRegistered(
      () => deployStack(stackDefinition, empty),
      /build context of 'api' \(dev\/api\) not found: .*examples\/fullstack\/backend.*build context of 'web' \(dev\/web\) not found/,
    );
  });

  test('fails when the env is invalid (the same check as the YAML path)', async () => {
    useMocks('prod', { kubeContext: 'ctx' });
    const def = { ...stackDefinition, environments: { ...environments, prod: { ...environments.prod, version: 'latest' } } };
    await expectNothingRegistered(() => deployStack(def), /prod: 'version' must be a pinned version outside dev/);
  });

  test('fails when the validation gate fails (the same gate as the YAML path)', async () => {
    useMocks('prod', { kubeContext: 'ctx' });
    // A literal Secret added through an escape hatch: the gate refuses it outside dev.
    const def = {
      ...stackDefinition,
      build: (app: App, env: EnvConfig) => {
        const built = buildAppStack(app, env);
        new ApiObject(built.chart, 'leak', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak' }, stringData: { token: 'x' } });
        return built;
      },
    };
    await expectNothingRegistered(
      () => deployStack(def),
      /validation gate failed with 1 error\(s\):\nerror policy\/secret-literal \[prod\] Secret\/kstack-prod\/leak/,
    );
  });
});

describe('GIVEN the entry point', () => {
  test('WHEN bin/pulumi/main.js runs in a plain Node process THEN it loads through the swc hook and exports the stack outputs', () => {
    // A separate process, as Pulumi runs it (runtime option typescript: false), with mocks.
    const script = `
      const pulumi = require('@pulumi/pulumi');
      pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + '_id', state: a.type.startsWith('random:') ? { ...a.inputs, result: 'pw' } : a.inputs }), call: () => ({}) }, 'kstack', 'dev', false);
      pulumi.runtime.setAllConfig({ 'kstack:kubeContext': 'k3d-kstack', 'kstack:registry': 'localhost:5000', 'kstack:clusterRegistry': 'k3d-kstack-registry:5000' });
      const out = require('./bin/pulumi/main.js');
      process.stdout.write(JSON.stringify({ namespaces: out.namespaces, urls: out.urls, images: out.images }));
    `;
    const res = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30000 });
    expect(res.stderr).toBe('');
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ namespaces: ['kstack-dev'], urls: ['http://app.localhost'] });
    expect(out.images['kstack-dev/api']).toMatch(/^k3d-kstack-registry:5000\/kstack-backend:[0-9a-f]{16}$/);
    expect(out.images['kstack-dev/db']).toBe('postgres:16.10');
  });

  test('Pulumi.yaml runs bin/pulumi/main.js without ts-node; a stack file for each environment', () => {
    const project = fs.readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8');
    expect(project).toMatch(/^name: kstack$/m);
    expect(project).toMatch(/^main: bin\/pulumi\/main\.js$/m);
    expect(project).toMatch(/typescript: false/);
    for (const stack of Object.keys(environments)) expect(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))).toBe(true);
  });
});
