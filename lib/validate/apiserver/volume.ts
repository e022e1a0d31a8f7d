import { parseQuantity } from '../../internal/checks/quantity';
import { isDnsLabel } from '../../internal/patterns';
import { asArray, GateContext, isObject, PodTemplate, show } from '../context';
import { descendingPathProblem } from './container';
import { fieldProblem } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

const SOURCES = new Set([
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
]);

function modeProblem(mode: unknown): string | undefined {
  return typeof mode === 'number' && (mode < 0 || mode > 0o777) ? 'must be a number between 0 and 0777 (octal), both inclusive' : undefined;
}

/** ValidateVolumes / validateVolumeSource: names, exactly one source, item paths and modes. */
export function checkVolumes(ctx: GateContext, pod: PodTemplate): void {
  const obj = pod.owner;
  asArray(pod.spec.volumes).forEach((v, i) => {
    if (!isObject(v)) return;
    const at = `${pod.where}.volumes[${i}]`;
    if (!isDnsLabel(v.name)) ctx.report('api/volume', obj, `${at}.name must be a DNS-1123 label, got ${show(v.name)}`);
    const sources = Object.keys(v).filter((k) => SOURCES.has(k) && v[k] !== null && v[k] !== undefined);
    if (sources.length === 0) ctx.report('api/volume', obj, `${at} (${show(v.name)}) must specify a volume type`);
    else if (sources.length > 1)
      ctx.report('api/volume', obj, `${at} (${show(v.name)}) may not specify more than 1 volume type, got ${sources.join(', ')}`);
    const src = sources.length === 1 ? v[sources[0]] : undefined;
    if (!isObject(src)) return;
    const where = `${at}.${sources[0]}`;
    if (sources[0] === 'emptyDir' && src.sizeLimit !== undefined) {
      const q = parseQuantity(src.sizeLimit);
      if (q === undefined || q < 0)
        ctx.report('api/volume', obj, `${where}.sizeLimit must be a non-negative quantity, got ${show(src.sizeLimit)}`);
    }
    if (sources[0] === 'persistentVolumeClaim' && (typeof src.claimName !== 'string' || src.claimName === ''))
      ctx.report('api/volume', obj, `${where}.claimName is required`);
    fieldProblem(ctx, 'api/volume', obj, `${where}.defaultMode`, src.defaultMode, modeProblem(src.defaultMode));
    const itemLists =
      sources[0] === 'projected'
        ? asArray(src.sources).map((s: any) => asArray((s?.configMap ?? s?.secret ?? s?.downwardAPI)?.items))
        : [asArray(src.items)];
    itemLists.flat().forEach((item: any, j: number) => {
      if (!isObject(item)) return;
      const path = item.path;
      const itemAt = `${where}.items[${j}].path`;
      if (typeof path !== 'string' || path === '') ctx.report('api/volume', obj, `${itemAt} is required`);
      else fieldProblem(ctx, 'api/volume', obj, itemAt, path, descendingPathProblem(path));
      fieldProblem(ctx, 'api/volume', obj, `${where}.items[${j}].mode`, item.mode, modeProblem(item.mode));
    });
  });
}
