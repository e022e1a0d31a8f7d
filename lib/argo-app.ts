import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { DESCRIBE, Described } from './description';
import { checkRepoUrl } from './internal/checks/url';
import { propError } from './internal/errors';
import { checkBoolean, checkInteger, checkName, claimName } from './internal/validation';

export interface ArgoAppProps {
  /** Application name. @default - the construct id */
  readonly name?: string;
  /** Namespace Argo CD runs in. @default 'argocd' */
  readonly namespace?: string;
  /** Argo CD project. @default 'default' */
  readonly project?: string;
  /** Git repository holding the synthesized YAML, without credentials (Argo CD keeps those in its repository Secrets). */
  readonly repoURL: string;
  /** Branch, tag or commit to deploy. @default 'HEAD' */
  readonly targetRevision?: string;
  /** Folder in the repository. @default 'dist/<id of the chart holding this construct>' */
  readonly path?: string;
  /** Cluster API server. @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in) */
  readonly destinationServer?: string;
  /** Namespace the app's objects go to. */
  readonly destinationNamespace: string;
  /** Delete objects removed from Git. @default true */
  readonly prune?: boolean;
  /** Revert changes made in the cluster by hand. @default true */
  readonly selfHeal?: boolean;
  /** Sync attempts before giving up (0 to 100). @default 5 */
  readonly retryLimit?: number;
}

/** An Argo CD Application as every target reads it. */
export interface ApplicationDescription {
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly namespace: string;
  readonly project: string;
  readonly repoURL: string;
  readonly targetRevision: string;
  /** Folder in the repository. */
  readonly path: string;
  readonly destinationServer: string;
  readonly destinationNamespace: string;
  readonly prune: boolean;
  readonly selfHeal: boolean;
  readonly retryLimit: number;
  /** Sync options, e.g. 'CreateNamespace=true'. */
  readonly syncOptions: readonly string[];
}

/** The Kubernetes objects of an ArgoApp, for escape hatches. */
export interface ArgoAppObjects {
  /** The argoproj.io/v1alpha1 Application. */
  readonly application: ApiObject;
}

/** Git URLs Argo CD clones. */
const REPO_URL = /^(https?:\/\/|ssh:\/\/|git@|file:\/\/)\S+$/;
/** A git ref or commit: no whitespace or control characters, none of git's forbidden ref characters. */
const REVISION = /^[^\s\p{Cc}~^:?*[\\]{1,255}$/u;
const SYNC_OPTION = /^[A-Za-z]+=[A-Za-z0-9_.-]+$/;

/** An Argo CD Application with automated sync, prune, self-heal, namespace creation and server-side apply. */
export class ArgoApp extends Construct {
  readonly name: string;
  /** The Kubernetes objects, for escape hatches. */
  readonly objects: ArgoAppObjects;
  private readonly settings: Omit<ApplicationDescription, 'syncOptions'>;
  private readonly syncOptions: string[] = ['CreateNamespace=true', 'ServerSideApply=true'];

  constructor(scope: Construct, id: string, props: ArgoAppProps) {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object')
      throw propError(path, 'props', 'must be an object with repoURL and destinationNamespace', props);
    const s = {
      name: props.name ?? id,
      namespace: props.namespace ?? 'argocd',
      project: props.project ?? 'default',
      repoURL: props.repoURL,
      targetRevision: props.targetRevision ?? 'HEAD',
      path: props.path ?? `dist/${Chart.of(this).node.id}`,
      destinationServer: props.destinationServer ?? 'https://kubernetes.default.svc',
      destinationNamespace: props.destinationNamespace,
      prune: props.prune ?? true,
      selfHeal: props.selfHeal ?? true,
      retryLimit: props.retryLimit ?? 5,
    };
    checkSettings(path, s);
    claimName(this, 'argo-app', s.namespace, s.name);
    this.name = s.name;
    this.settings = s;

    const application = new ApiObject(this, 'Application', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: s.name, namespace: s.namespace, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: s.project,
        source: { repoURL: s.repoURL, targetRevision: s.targetRevision, path: s.path },
        destination: { server: s.destinationServer, namespace: s.destinationNamespace },
        syncPolicy: {
          automated: { prune: s.prune, selfHeal: s.selfHeal },
          // Read at synthesis, so options added with addSyncOption are in it.
          syncOptions: Lazy.any({ produce: () => [...this.syncOptions] }),
          retry: { limit: s.retryLimit, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
        },
      },
    });
    this.objects = { application };
  }

  /** The Application as every target reads it. */
  get application(): ApplicationDescription {
    return { ...this.settings, syncOptions: [...this.syncOptions] };
  }

  /** Adds an Argo CD sync option such as 'PruneLast=true' (once). */
  addSyncOption(option: string): void {
    if (typeof option !== 'string' || !SYNC_OPTION.test(option)) {
      throw propError(this.node.path, 'addSyncOption', "must be an Argo CD sync option such as 'PruneLast=true'", option);
    }
    if (!this.syncOptions.includes(option)) this.syncOptions.push(option);
  }

  /** What every target reads (see describeStack). */
  [DESCRIBE](): Described {
    return { application: this.application };
  }
}

/** Every setting of the Application, checked where it enters. */
function checkSettings(path: string, s: Omit<ApplicationDescription, 'syncOptions'>): void {
  checkName(path, 'name', s.name, 253);
  checkName(path, 'namespace', s.namespace);
  checkName(path, 'project', s.project, 253);
  checkGitUrl(path, s.repoURL);
  if (typeof s.targetRevision !== 'string' || !REVISION.test(s.targetRevision)) {
    throw propError(
      path,
      'targetRevision',
      "must be a branch, tag or commit on one line (no spaces or control characters), such as 'main'",
      s.targetRevision,
    );
  }
  if (
    typeof s.path !== 'string' ||
    s.path.trim() === '' ||
    s.path.startsWith('/') ||
    s.path.split('/').includes('..') ||
    /[\s\p{Cc}]/u.test(s.path)
  ) {
    throw propError(path, 'path', "must be a folder relative to the repository root, such as 'dist/prod'", s.path);
  }
  if (typeof s.destinationServer !== 'string' || !/^https:\/\/[^\s@]+$/.test(s.destinationServer))
    throw propError(path, 'destinationServer', "must be an https URL such as 'https://kubernetes.default.svc'", s.destinationServer);
  checkName(path, 'destinationNamespace', s.destinationNamespace);
  checkInteger(path, 'retryLimit', s.retryLimit, 0, 100);
  checkBoolean(path, 'prune', s.prune);
  checkBoolean(path, 'selfHeal', s.selfHeal);
}

/** A Git URL Argo CD can clone, without credentials (checked first: a redacted URL is all an error shows). */
function checkGitUrl(path: string, value: unknown): void {
  checkRepoUrl(path, 'repoURL', value);
  if (typeof value !== 'string' || !REPO_URL.test(value)) {
    throw propError(path, 'repoURL', "must be a Git URL such as 'https://github.com/acme/app.git' or 'git@github.com:acme/app.git'", value);
  }
}
