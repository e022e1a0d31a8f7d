/**
 * Pulumi's mock monitor for the kstack/pulumi tests (`pulumi.runtime.setMocks`): no CLI, no
 * cluster, no Docker engine. Records every registration; RandomPassword answers MOCK_PASSWORD.
 */
import * as pulumi from '@pulumi/pulumi';
import { KstackError } from '../lib';
import type { KstackDeployment } from '../lib/pulumi';

export interface Registration {
  type: string;
  name: string;
  inputs: any;
  provider?: string;
  custom?: boolean;
}

/** What the current mocks recorded, in registration order. */
export const registered: Registration[] = [];

/** What the engine was asked for each registration ('<type>::<name>'): options the mock's newResource does not see. */
export interface EngineRequest {
  readonly parent: string;
  readonly dependencies: readonly string[];
  readonly retainOnDelete: boolean;
  /** The URNs the resource is aliased to. */
  readonly aliases: readonly string[];
}
export const requests = new Map<string, EngineRequest>();

/** The generated password the mocked random provider returns. */
export const MOCK_PASSWORD = 'MockGeneratedPassw0rdFromRandom1';

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getRetainondelete(): boolean | undefined;
  getAliasesList(): { getUrn(): string }[];
  getAliasurnsList(): string[];
}

/** Fresh mocks and `kstack:*` config for one stack. */
export function useMocks(stack: string, config: Record<string, string> = {}, project = 'kstack'): void {
  registered.length = 0;
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, custom: args.custom });
        const state = args.type === 'random:index/randomPassword:RandomPassword' ? { ...args.inputs, result: MOCK_PASSWORD } : args.inputs;
        return { id: `${args.name}_id`, state };
      },
      call: () => ({}),
    },
    project,
    stack,
    false,
  );
  // Record what the SDK sends the engine (parent, dependsOn as URNs, retainOnDelete).
  requests.clear();
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    requests.set(`${req.getType()}::${req.getName()}`, {
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
      retainOnDelete: req.getRetainondelete() === true,
      aliases: [...req.getAliasurnsList(), ...req.getAliasesList().map((a) => a.getUrn())].filter(Boolean),
    });
    return register(req, cb);
  };
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`kstack:${k}`, v])));
}

/** The value of an output (mocks resolve every output). */
export const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

/** Waits until the component and every resource it registered have been registered with the mock monitor. */
export async function settled(d: KstackDeployment): Promise<void> {
  const all: pulumi.Resource[] = [
    d,
    d.provider,
    ...d.resources.values(),
    ...d.images.values(),
    ...d.passwords.values(),
    ...d.prerequisites,
  ];
  await Promise.all(all.map((r) => valueOf(r.urn)));
}

/** The engine request of a registration. */
export const requestOf = (r: Pick<Registration, 'type' | 'name'>) => requests.get(`${r.type}::${r.name}`)!;

/** Lets pending registrations reach the monitor (for tests that expect none). */
export const flush = () => new Promise((resolve) => setTimeout(resolve, 50));

interface MockMonitor {
  getRegisteredResources(): Map<string, { urn: string; state: { toJavaScript?(): unknown } }>;
}

/** URN -> registered outputs, as the mock monitor holds them (registerOutputs replaces a component's state). */
export function monitorState(): Map<string, unknown> {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const out = new Map<string, unknown>();
  for (const [urn, r] of monitor.getRegisteredResources()) out.set(urn, r.state?.toJavaScript ? r.state.toJavaScript() : r.state);
  return out;
}

/** Registrations of the tree's Kubernetes objects (not the provider or the cluster setup: Helm releases, YAML components, k3s's Traefik config). */
export const isK8sObject = (r: Registration) =>
  r.type.startsWith('kubernetes:') &&
  r.type !== 'kubernetes:helm.sh/v3:Release' &&
  !r.type.startsWith('kubernetes:yaml/') &&
  !r.name.endsWith('-k3s-traefik-gateway');

/** 'Kind/namespace/name' of a registered object's inputs. */
export const keyOf = (o: { kind: string; metadata: { namespace?: string; name: string } }) =>
  `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Runs `run` and checks it fails with a KstackError matching `message` (printed by Pulumi without a stack trace), before any registration. */
export async function expectCleanFailure(run: () => unknown, message: RegExp): Promise<void> {
  let err: unknown;
  try {
    run();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(KstackError);
  expect((err as Error).message).toMatch(message);
  expect(pulumi.RunError.isInstance(err)).toBe(true);
  await flush();
  expect(registered).toHaveLength(0);
}
