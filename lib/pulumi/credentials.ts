/**
 * Credentials of the in-cluster databases, planned without Pulumi: the deployment generates each
 * password and writes it into the database's Secret through the database construct's own mapping
 * (Postgres.connectionSecretData). A Secret the tree leaves to be created out of band is added; a
 * Secret with a literal dev password is emptied, and the literal must reach no other object.
 */
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { ApplicationDescription } from '../argo-app';
import { KstackRenderError } from '../errors';
import type { DatabaseDescription } from '../postgres';
import type { K8sObject } from '../synth';
import { keyOfObject } from './order';

/** The credentials Secret of one in-cluster database, to be filled with a generated password. */
export interface CredentialsPlan {
  /** Key of the Secret among the deployment's objects. */
  readonly key: string;
  /** Construct path of the database. */
  readonly path: string;
  readonly namespace?: string;
  readonly secretName: string;
  /** The Secret's stringData for a password, as the database construct writes it. */
  readonly fill: (password: string) => Record<string, string>;
  /** Whether the tree had this Secret with a literal (dev) password, now replaced; otherwise the Secret is added. */
  readonly replacesLiteral: boolean;
}

/** A database construct that says what its Secret holds for a password (Postgres does). */
interface FillsSecret extends IConstruct {
  connectionSecretData(password: string): Record<string, string>;
}

function fillsSecret(c: IConstruct | undefined): c is FillsSecret {
  return typeof (c as Partial<FillsSecret> | undefined)?.connectionSecretData === 'function';
}

type DatabaseEntry = DatabaseDescription & { readonly path: string };

/** The literal password a synthesized Secret carries, if any. */
function literalPassword(secret: K8sObject, key: string): string | undefined {
  const stringData = secret.stringData as Record<string, string> | undefined;
  const data = secret.data as Record<string, string> | undefined;
  if (typeof stringData?.[key] === 'string') return stringData[key];
  return typeof data?.[key] === 'string' ? Buffer.from(data[key], 'base64').toString('utf8') : undefined;
}

/** Whether a value anywhere in the object is the literal (or, for a literal long enough not to occur by chance, contains it). */
function carries(value: unknown, literal: string): boolean {
  if (typeof value === 'string') return value === literal || (literal.length >= 8 && value.includes(literal));
  if (Array.isArray(value)) return value.some((v) => carries(v, literal));
  return typeof value === 'object' && value !== null && Object.values(value).some((v) => carries(v, literal));
}

/** A Secret for a database whose Secret the tree expects to be created out of band. */
function newSecret(db: DatabaseEntry, construct: IConstruct, applications: readonly ApplicationDescription[]): K8sObject {
  const metadata: K8sObject['metadata'] = { name: db.secretName };
  if (db.namespace !== undefined) metadata.namespace = db.namespace;
  const labels = Chart.of(construct).labels;
  if (Object.keys(labels).length > 0) metadata.labels = { ...labels };
  if (applications.some((a) => a.destinationNamespace === db.namespace)) {
    // Argo CD tracks the namespace's objects by the instance label this Secret carries, but the
    // Secret is not in Git: keep Argo from pruning it or reporting the app out of sync.
    metadata.annotations = { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous', 'argocd.argoproj.io/sync-options': 'Prune=false' };
  }
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque' };
}

/**
 * Plans the credentials of every in-cluster database and changes `objects` accordingly (adds the
 * missing Secrets, empties the literal ones): pass copies.
 */
export function planCredentials(
  at: string,
  databases: readonly DatabaseEntry[],
  constructs: ReadonlyMap<string, IConstruct>,
  objects: K8sObject[],
  applications: readonly ApplicationDescription[],
): CredentialsPlan[] {
  const plans: CredentialsPlan[] = [];
  for (const db of databases.filter((d) => d.location === 'in-cluster')) {
    const construct = constructs.get(db.path);
    if (!fillsSecret(construct)) {
      throw new KstackRenderError(
        `${at}: ${db.path} is an in-cluster database without connectionSecretData(password): kstack cannot fill its Secret '${db.secretName}' (set generateCredentials: false and create it yourself)`,
      );
    }
    const found = objects.find(
      (o) => o.kind === 'Secret' && o.metadata.name === db.secretName && (o.metadata.namespace ?? '') === (db.namespace ?? ''),
    );
    if (found) {
      const literal = literalPassword(found, db.secretKeys.password ?? 'password');
      delete found.stringData;
      delete found.data;
      const leaked = literal === undefined ? [] : objects.filter((o) => o !== found && carries(o, literal));
      if (leaked.length > 0) {
        throw new KstackRenderError(
          `${at}: the literal password of ${db.path} would reach ${leaked.map(keyOfObject).join(', ')}: reference its Secret '${db.secretName}' instead`,
        );
      }
    } else {
      objects.unshift(newSecret(db, construct, applications));
    }
    const secret = found ?? objects[0];
    plans.push({
      key: keyOfObject(secret),
      path: db.path,
      namespace: db.namespace,
      secretName: db.secretName,
      fill: (password) => construct.connectionSecretData(password),
      replacesLiteral: found !== undefined,
    });
  }
  return plans;
}
