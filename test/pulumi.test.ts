/**
 * The Pulumi program (bin/pulumi) under `pulumi.runtime.setMocks`: no CLI, cluster or Docker engine.
 * What only a real `pulumi up` shows is listed in docs/pulumi.md.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { hashBuildContext } from '../bin/pulumi/context-hash';
import { deployKstack, KstackDeployment } from '../bin/pulumi/program';
import { environments } from '../stacks/environments';
import { synthesizeEnv } from '../stacks/synth';
import { manifestYaml, SecretValue } from '../lib';

const ROOT = path.resolve(__dirname, '..');
const MOCK_PASSWORD = 'MockGeneratedPassw0rdFromRandom1';

interface Registration {
  type: string;
  name: string;
  inputs: any;
  provider?: string;
}
const registered: Registration[] = [];

const K3D_CONFIG = {
  kubeContext: 'k3d-kstack',
  installIngressNginx: 'true',
  registry: 'localhost:5000',
  clusterRegistry: 'k3d-kstack-registry:5000',
};

/** Fresh mocks and config for one stack. */
function useStack(stack: string, config: Record<string, string>): void {
  registered.length = 0;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const state = args.type === 'random:index/randomPassword:RandomPassword' ? { ...args.inputs, result: MOCK_PASSWORD } : args.inputs;
        return { id: `${args.name}_id`, state };
      },
      call: () => ({}),
    },
    'kstack',
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`kstack:${k}`, v])));
}

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

/** Waits until every resource of the deployment has been registered with the mock monitor. */
async function settled(d: KstackDeployment): Promise<void> {
  const all: pulumi.Resource[] = [d.provider, ...d.objects.values(), ...d.images.values()];
  if (d.password) all.push(d.password);
  if (d.ingressNginx) all.push(d.ingressNginx);
  await Promise.all(all.map((r) => valueOf(r.urn)));
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 50));

const isK8sObject = (r: Registration) => r.type.startsWith('kubernetes:') && r.type !== 'kubernetes:helm.sh/v3:Release';
const keyOf = (o: { kind: string; metadata: { namespace?: string; name: string } }) =>
  `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const yamlOf = (env: string) =>
  synthesizeEnv(environments[env])
    .files.map((f) => manifestYaml(f.objects))
    .join('---\n');

describe.each(['dev', 'staging', 'prod'])('pulumi stack %s', (envName) => {
  const env = environments[envName];
  let d: KstackDeployment;

  beforeAll(async () => {
    useStack(envName, envName === 'dev' ? K3D_CONFIG : { kubeContext: `ctx-${envName}` });
    d = deployKstack();
    await settled(d);
  });

  test('registers every synthesized object as its own resource, and nothing else', () => {
    const expected = new Set(
      synthesizeEnv(env)
        .files.flatMap((f) => f.objects)
        .map(keyOf),
    );
    // Staging's in-cluster database has no Secret in the YAML (created out of band there): the Pulumi path creates it.
    if (envName === 'staging') expected.add('Secret/kstack-staging/db-credentials');
    const objects = registered.filter(isK8sObject);
    const actual = objects.map((r) => keyOf(r.inputs));
    expect(actual.length).toBe(new Set(actual).size);
    expect(new Set(actual)).toEqual(expected);
    for (const r of objects) {
      expect(r.name).toBe([r.inputs.kind, r.inputs.metadata.namespace, r.inputs.metadata.name].filter(Boolean).join('-').toLowerCase());
      expect(r.type).toBe(
        `kubernetes:${r.inputs.apiVersion.includes('/') ? r.inputs.apiVersion : `core/${r.inputs.apiVersion}`}:${r.inputs.kind}`,
      );
    }
    expect(objects.some((r) => r.inputs.kind === 'Application')).toBe(env.argo !== undefined);
  });

  test('Namespace first, the Argo CD Application after everything else, Deployments after their images', () => {
    const ns = d.objects.get(`Namespace//${env.namespace}`)!;
    for (const [key, opts] of d.resourceOptions) {
      const deps = opts.dependsOn as pulumi.Resource[];
      if (key.startsWith('Namespace/')) expect(deps).toEqual([]);
      else expect(deps).toContain(ns);
      if (key.startsWith('Application/')) {
        expect(deps).toHaveLength(d.objects.size - 1);
        for (const [k, r] of d.objects) expect(deps.includes(r)).toBe(k !== key);
      }
      if (key.startsWith('Ingress/')) expect(deps.includes(d.ingressNginx!)).toBe(d.ingressNginx !== undefined);
    }
    for (const [workload, image] of d.images)
      expect(d.resourceOptions.get(`Deployment/${env.namespace}/${workload}`)!.dependsOn).toContain(image);
  });

  test('uses one explicit provider with the configured context and server-side apply', () => {
    const providers = registered.filter((r) => r.type === 'pulumi:providers:kubernetes');
    expect(providers).toHaveLength(1);
    expect(providers[0].inputs.context).toBe(envName === 'dev' ? 'k3d-kstack' : `ctx-${envName}`);
    expect(String(providers[0].inputs.enableServerSideApply)).toBe('true');
    for (const r of registered.filter(isK8sObject)) expect(r.provider).toMatch(/::pulumi:providers:kubernetes::k8s::k8s_id$/);
  });

  test('outputs the namespace, the app URL and the image references', () => {
    expect(d.outputs.namespace).toBe(env.namespace);
    expect(d.outputs.appUrl).toBe(`${env.tls ? 'https' : 'http'}://${env.host}`);
    const deployments = registered.filter((r) => r.inputs.kind === 'Deployment');
    for (const dep of deployments)
      expect(d.outputs.images[dep.inputs.metadata.name]).toBe(dep.inputs.spec.template.spec.containers[0].image);
  });
});

describe('images (dev: built from examples/fullstack)', () => {
  beforeAll(async () => {
    useStack('dev', K3D_CONFIG);
    await settled(deployKstack());
  });

  test.each([
    ['api', 'backend', 'kstack-backend'],
    ['web', 'frontend', 'kstack-frontend'],
  ])('%s: docker.Image gets the build context and Dockerfile; the Deployment pulls the content-tagged image', (workload, folder, repo) => {
    const context = `examples/fullstack/${folder}`;
    const tag = hashBuildContext(path.join(ROOT, context), 'Dockerfile').slice(0, 16);
    const image = registered.find((r) => r.type === 'docker:index/image:Image' && r.name === `image-dev-${workload}`);
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
  });

  test('images are not built for envs without build contexts: their references are used as they are', async () => {
    useStack('prod', { kubeContext: 'ctx-prod' });
    const prod = deployKstack();
    await settled(prod);
    expect(registered.filter((r) => r.type.startsWith('docker:'))).toHaveLength(0);
    const images = registered
      .filter((r) => r.inputs.kind === 'Deployment')
      .map((r) => r.inputs.spec.template.spec.containers[0].image)
      .sort();
    expect(images).toEqual(['ghcr.io/kstack-dev/kstack-backend:0.1.0', 'ghcr.io/kstack-dev/kstack-frontend:0.1.0']);
  });

  test('docker-env mode (Minikube) builds without a push and keeps the repository name', async () => {
    useStack('dev', { kubeContext: 'minikube', imageMode: 'docker-env' });
    const mk = deployKstack();
    await settled(mk);
    const image = registered.find((r) => r.name === 'image-dev-api')!;
    expect(image.inputs.skipPush).toBe(true);
    expect(image.inputs.imageName).toMatch(/^localhost:5000\/kstack-backend:[0-9a-f]{16}$/);
    const dep = registered.find((r) => r.inputs.kind === 'Deployment' && r.inputs.metadata.name === 'api')!;
    expect(dep.inputs.spec.template.spec.containers[0].image).toBe(image.inputs.imageName);
    expect(registered.some((r) => r.type === 'kubernetes:helm.sh/v3:Release')).toBe(false);
  });
});

describe('ingress-nginx', () => {
  test('a pinned Helm release of ingress-nginx when kstack:installIngressNginx is true', async () => {
    useStack('dev', K3D_CONFIG);
    const d = deployKstack();
    await settled(d);
    const releases = registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release');
    expect(releases).toHaveLength(1);
    expect(releases[0].inputs).toMatchObject({
      chart: 'ingress-nginx',
      repositoryOpts: { repo: 'https://kubernetes.github.io/ingress-nginx' },
      namespace: 'ingress-nginx',
      createNamespace: true,
    });
    expect(releases[0].inputs.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(releases[0].provider).toMatch(/::k8s_id$/);
  });

  test('no release otherwise', async () => {
    useStack('dev', { ...K3D_CONFIG, installIngressNginx: 'false' });
    await settled(deployKstack());
    expect(registered.some((r) => r.type === 'kubernetes:helm.sh/v3:Release')).toBe(false);
  });
});

describe('database password', () => {
  test.each(['dev', 'staging'])('%s: generated, secret, in the credentials Secret only, never in the YAML', async (envName) => {
    useStack(envName, { kubeContext: 'k3d-kstack' });
    const d = deployKstack();
    await settled(d);

    const passwords = registered.filter((r) => r.type === 'random:index/randomPassword:RandomPassword');
    expect(passwords).toHaveLength(1);
    expect(passwords[0].inputs).toMatchObject({ length: 32, special: false });
    // RandomPassword.result is a secret output by the engine (additionalSecretOutputs: ['result'] in
    // @pulumi/random), which mocks do not enforce; what the program derives from it is wrapped explicitly.
    expect(await pulumi.isSecret(d.credentials!)).toBe(true);

    const key = `Secret/${environments[envName].namespace}/db-credentials`;
    const secret = d.objects.get(key) as any;
    expect(await pulumi.isSecret(secret.stringData)).toBe(true);
    const data = await valueOf<Record<string, string>>(secret.stringData);
    expect(data).toEqual({
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
  });

  test("dev's literal devPassword of the YAML path never reaches a Pulumi resource", async () => {
    const literal = (environments.dev.database as { devPassword?: SecretValue }).devPassword!.unsafeUnwrap();
    expect(yamlOf('dev')).toContain(literal);
    useStack('dev', K3D_CONFIG);
    await settled(deployKstack());
    expect(JSON.stringify(registered)).not.toContain(literal);
  });

  test('prod (managed database): no generated password, no Secret', async () => {
    useStack('prod', { kubeContext: 'ctx-prod' });
    const d = deployKstack();
    await settled(d);
    expect(d.password).toBeUndefined();
    expect(registered.some((r) => r.type.startsWith('random:') || r.type === 'kubernetes:core/v1:Secret')).toBe(false);
  });

  test('Secret resources are registered with data and stringData as secret outputs', async () => {
    useStack('staging', { kubeContext: 'ctx' });
    const d = deployKstack();
    await settled(d);
    expect(d.resourceOptions.get('Secret/kstack-staging/db-credentials')!.additionalSecretOutputs).toEqual(['data', 'stringData']);
    // Not in Git: Argo CD must not prune it.
    expect(registered.find((r) => r.type === 'kubernetes:core/v1:Secret')!.inputs.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/sync-options': 'Prune=false',
    });
  });
});

describe('bad input: one clear error before any resource', () => {
  async function expectNothingRegistered(run: () => unknown, message: RegExp): Promise<void> {
    expect(run).toThrow(message);
    await flush();
    expect(registered).toHaveLength(0);
  }

  test('unknown stack', async () => {
    useStack('qa', { kubeContext: 'k3d-kstack' });
    await expectNothingRegistered(() => deployKstack(), /unknown stack 'qa'.*dev, staging, prod/);
  });

  test('missing kubeContext', async () => {
    useStack('dev', { registry: 'localhost:5000' });
    await expectNothingRegistered(
      () => deployKstack(),
      /kstack:kubeContext is not set for stack 'dev'.*pulumi config set kstack:kubeContext/,
    );
  });

  test('bad imageMode', async () => {
    useStack('dev', { kubeContext: 'k3d-kstack', imageMode: 'kind-load' });
    await expectNothingRegistered(() => deployKstack(), /kstack:imageMode must be one of registry, docker-env/);
  });

  test('build context folder that does not exist', async () => {
    useStack('dev', K3D_CONFIG);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-pulumi-'));
    await expectNothingRegistered(
      () => deployKstack({ rootDir: empty }),
      /build context of 'api' not found: .*examples\/fullstack\/backend.*build context of 'web' not found/,
    );
  });

  test('an env the validation rejects (same checks as the YAML path)', async () => {
    useStack('prod', { kubeContext: 'ctx' });
    const config = {
      env: { ...environments.prod, version: 'latest' },
      kubeContext: 'ctx',
      installIngressNginx: false,
      ingressNginxVersion: '4.12.1',
      imageMode: 'registry' as const,
    };
    await expectNothingRegistered(() => deployKstack({ config }), /prod: 'version' must be a pinned version outside dev/);
  });

  test('the errors are RunErrors (Pulumi prints the message without a stack trace)', () => {
    useStack('qa', { kubeContext: 'x' });
    let err: unknown;
    try {
      deployKstack();
    } catch (e) {
      err = e;
    }
    expect(pulumi.RunError.isInstance(err)).toBe(true);
  });
});

describe('entry point', () => {
  test('bin/pulumi/main.js loads the TypeScript program through the swc hook and exports the stack outputs', () => {
    // A separate plain Node process, as Pulumi runs it (runtime option typescript: false), with mocks.
    const script = `
      const pulumi = require('@pulumi/pulumi');
      pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + '_id', state: a.type.startsWith('random:') ? { ...a.inputs, result: 'pw' } : a.inputs }), call: () => ({}) }, 'kstack', 'dev', false);
      pulumi.runtime.setAllConfig({ 'kstack:kubeContext': 'k3d-kstack', 'kstack:registry': 'localhost:5000', 'kstack:clusterRegistry': 'k3d-kstack-registry:5000' });
      const out = require('./bin/pulumi/main.js');
      process.stdout.write(JSON.stringify({ namespace: out.namespace, appUrl: out.appUrl, images: out.images }));
    `;
    const res = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30000 });
    expect(res.stderr).toBe('');
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ namespace: 'kstack-dev', appUrl: 'http://app.localhost' });
    expect(out.images.api).toMatch(/^k3d-kstack-registry:5000\/kstack-backend:[0-9a-f]{16}$/);
    expect(out.images.db).toBe('postgres:16.10');
  });

  test('Pulumi.yaml runs bin/pulumi/main.js without ts-node', () => {
    const project = fs.readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8');
    expect(project).toMatch(/^name: kstack$/m);
    expect(project).toMatch(/^main: bin\/pulumi\/main\.js$/m);
    expect(project).toMatch(/typescript: false/);
    for (const stack of ['dev', 'staging', 'prod']) expect(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))).toBe(true);
  });
});
