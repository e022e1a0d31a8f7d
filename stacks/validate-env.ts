import { propError } from '../lib/internal/errors';
import {
  checkCron,
  checkHost,
  checkImage,
  checkInteger,
  checkName,
  checkNonEmpty,
  checkResources,
  checkStorage,
  checkSubdomain,
} from '../lib/internal/validation';
import { EnvConfig, ServiceConfig } from './environments';

/* eslint-disable @typescript-eslint/no-explicit-any */

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const REPO_URL = /^(https?:\/\/|ssh:\/\/|git@|file:\/\/)\S+$/;

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkObject(path: string, prop: string, value: unknown, expectation = 'must be an object'): void {
  if (!isObject(value)) throw propError(path, prop, expectation, value);
}

/**
 * Validates an EnvConfig before any construct is built; throws a one-line KstackPropError
 * (path = the environment's chart id) naming the field, the value and what is expected.
 */
export function validateEnvConfig(env: EnvConfig): void {
  if (!isObject(env)) throw propError('env', 'env', 'must be an EnvConfig object', env);
  const path = typeof env.name === 'string' && env.name !== '' ? env.name : 'env';
  checkName(path, 'name', env.name);
  checkName(path, 'app', env.app);
  if (env.app.length + env.name.length + 1 > 63)
    throw propError(path, 'app', `must be at most ${62 - env.name.length} characters so that '<app>-<name>' is a label value`, env.app);
  checkName(path, 'namespace', env.namespace);
  if (typeof env.version !== 'string' || !TAG.test(env.version) || !LABEL_VALUE.test(env.version) || env.version.length > 63) {
    throw propError(
      path,
      'version',
      "must be an image tag that is also a label value (letters, digits, '_', '.', '-', at most 63 characters), such as '1.4.2'",
      env.version,
    );
  }
  const dev = env.name === 'dev';
  if (env.version === 'latest' && !dev)
    throw propError(path, 'version', "must be a pinned version outside dev ('latest' is mutable)", env.version);
  checkHost(path, 'host', env.host);
  if (env.tls !== undefined) {
    checkObject(path, 'tls', env.tls, "must be an object such as { clusterIssuer: 'letsencrypt-prod' }");
    checkName(path, 'tls.clusterIssuer', env.tls.clusterIssuer, 253);
  }
  checkService(path, 'backend', env.backend, env.version);
  checkService(path, 'frontend', env.frontend, env.version);

  const db = env.database as any;
  checkObject(path, 'database', db, "must be { kind: 'in-cluster', ... } or { kind: 'managed', secretName }");
  if (db.kind === 'in-cluster') {
    checkStorage(path, 'database.storageSize', db.storageSize);
    if (db.storageClass !== undefined) checkSubdomain(path, 'database.storageClass', db.storageClass);
    if (db.devPassword !== undefined) {
      if (!dev)
        throw propError(
          path,
          'database.devPassword',
          "must be set only in the 'dev' environment (elsewhere the credentials Secret is created out of band)",
          '<redacted>',
        );
      checkNonEmpty(path, 'database.devPassword', db.devPassword);
    }
    if (db.backup !== undefined) {
      checkObject(path, 'database.backup', db.backup);
      if (db.backup.schedule !== undefined) checkCron(path, 'database.backup.schedule', db.backup.schedule);
      if (db.backup.retentionDays !== undefined) checkInteger(path, 'database.backup.retentionDays', db.backup.retentionDays, 1, 3650);
      if (db.backup.size !== undefined) checkStorage(path, 'database.backup.size', db.backup.size);
      if (db.backup.storageClass !== undefined) checkSubdomain(path, 'database.backup.storageClass', db.backup.storageClass);
    }
  } else if (db.kind === 'managed') {
    checkName(path, 'database.secretName', db.secretName, 253);
  } else {
    throw propError(path, 'database.kind', "must be 'in-cluster' or 'managed'", db.kind);
  }

  if (env.argo !== undefined) {
    checkObject(path, 'argo', env.argo, 'must be an object with repoURL and targetRevision');
    if (typeof env.argo.repoURL !== 'string' || !REPO_URL.test(env.argo.repoURL)) {
      throw propError(path, 'argo.repoURL', "must be a Git URL such as 'https://github.com/acme/app.git'", env.argo.repoURL);
    }
    checkNonEmpty(path, 'argo.targetRevision', env.argo.targetRevision);
  }
  if (env.build !== undefined) {
    checkObject(path, 'build', env.build, 'must be an object with backend and frontend build contexts');
    checkNonEmpty(path, 'build.backend', env.build.backend);
    checkNonEmpty(path, 'build.frontend', env.build.frontend);
  }
}

function checkService(path: string, prop: string, svc: ServiceConfig, version: string): void {
  checkObject(path, prop, svc, "must be an object such as { image: 'ghcr.io/acme/api', replicas: 2 }");
  const image = svc.image;
  if (typeof image !== 'string' || image.includes('@') || /:[^/]*$/.test(image)) {
    throw propError(
      path,
      `${prop}.image`,
      "must be an image repository without tag or digest, such as 'ghcr.io/acme/api' (the tag is the env's version)",
      image,
    );
  }
  checkImage(path, `${prop}.image`, `${image}:${version}`);
  if (svc.replicas !== undefined && svc.autoscaling !== undefined) {
    throw propError(path, `${prop}.replicas`, "must not be set together with 'autoscaling' (the HPA owns the replica count)", svc.replicas);
  }
  if (svc.replicas !== undefined) checkInteger(path, `${prop}.replicas`, svc.replicas, 1, 1000);
  if (svc.autoscaling !== undefined) {
    const a = svc.autoscaling;
    checkObject(path, `${prop}.autoscaling`, a, 'must be an object such as { minReplicas: 2, maxReplicas: 5 }');
    checkInteger(path, `${prop}.autoscaling.minReplicas`, a.minReplicas, 1, 1000);
    checkInteger(path, `${prop}.autoscaling.maxReplicas`, a.maxReplicas, 1, 1000);
    if (a.minReplicas > a.maxReplicas)
      throw propError(
        path,
        `${prop}.autoscaling.minReplicas`,
        `must be <= ${prop}.autoscaling.maxReplicas (${a.maxReplicas})`,
        a.minReplicas,
      );
    if (a.targetCpuUtilization !== undefined)
      checkInteger(path, `${prop}.autoscaling.targetCpuUtilization`, a.targetCpuUtilization, 1, 100);
  }
  if (svc.resources !== undefined) {
    checkObject(path, `${prop}.resources`, svc.resources);
    checkResources(path, `${prop}.resources`, svc.resources);
  }
}
