import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { propError } from './internal/errors';
import { checkBoolean, checkName, checkNonEmpty, claimName } from './internal/validation';

export interface ArgoAppProps {
  /** Application name. @default - the construct id */
  readonly name?: string;
  /** Namespace Argo CD runs in. @default 'argocd' */
  readonly namespace?: string;
  /** Argo CD project. @default 'default' */
  readonly project?: string;
  /** Git repository holding the synthesized YAML. */
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
  /** Sync attempts before giving up. @default 5 */
  readonly retryLimit?: number;
}

const REPO_URL = /^(https?:\/\/|ssh:\/\/|git@|file:\/\/)\S+$/;

/** An Argo CD Application with automated sync, prune, self-heal, namespace creation and server-side apply. */
export class ArgoApp extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: ArgoAppProps) {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object')
      throw propError(path, 'props', 'must be an object with repoURL and destinationNamespace', props);
    const name = props.name ?? id;
    const namespace = props.namespace ?? 'argocd';
    const project = props.project ?? 'default';
    const targetRevision = props.targetRevision ?? 'HEAD';
    const sourcePath = props.path ?? `dist/${Chart.of(this).node.id}`;
    const destinationServer = props.destinationServer ?? 'https://kubernetes.default.svc';
    const prune = props.prune ?? true;
    const selfHeal = props.selfHeal ?? true;
    const retryLimit = props.retryLimit ?? 5;

    checkName(path, 'name', name, 253);
    checkName(path, 'namespace', namespace);
    checkName(path, 'project', project, 253);
    if (typeof props.repoURL !== 'string' || !REPO_URL.test(props.repoURL)) {
      throw propError(
        path,
        'repoURL',
        "must be a Git URL such as 'https://github.com/acme/app.git' or 'git@github.com:acme/app.git'",
        props.repoURL,
      );
    }
    checkNonEmpty(path, 'targetRevision', targetRevision);
    if (typeof sourcePath !== 'string' || sourcePath.trim() === '')
      throw propError(path, 'path', "must be a folder relative to the repository root, such as 'dist/prod'", sourcePath);
    if (sourcePath.startsWith('/') || sourcePath.split('/').includes('..')) {
      throw propError(path, 'path', "must be a folder relative to the repository root, such as 'dist/prod'", sourcePath);
    }
    if (typeof destinationServer !== 'string' || !/^https:\/\/\S+$/.test(destinationServer))
      throw propError(path, 'destinationServer', "must be an https URL such as 'https://kubernetes.default.svc'", destinationServer);
    checkName(path, 'destinationNamespace', props.destinationNamespace);
    if (!Number.isInteger(retryLimit) || retryLimit < 0) throw propError(path, 'retryLimit', 'must be an integer >= 0', retryLimit);
    checkBoolean(path, 'prune', prune);
    checkBoolean(path, 'selfHeal', selfHeal);
    claimName(this, 'argo-app', namespace, name);
    this.name = name;

    new ApiObject(this, 'Application', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project,
        source: { repoURL: props.repoURL, targetRevision, path: sourcePath },
        destination: { server: destinationServer, namespace: props.destinationNamespace },
        syncPolicy: {
          automated: { prune, selfHeal },
          syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
          retry: { limit: retryLimit, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
        },
      },
    });
  }
}
