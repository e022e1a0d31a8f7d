import * as kplus from 'cdk8s-plus-27';
import { hardenPodSpec, restrictedContainer } from '../lib/internal/security';
import { K8sObject } from '../stacks/synth';
import { podSpecOf, testChart } from './util';

describe('hardenPodSpec', () => {
  test('every container drops ALL capabilities: by prop from restrictedContainer, by patch otherwise', () => {
    // GIVEN a Deployment with one container built with restrictedContainer and two without
    const chart = testChart();
    const deployment = new kplus.Deployment(chart, 'web', { metadata: { name: 'web' } });
    deployment.addContainer({ name: 'app', image: 'app:1', securityContext: restrictedContainer(1000, 1000, true) });
    deployment.addContainer({ name: 'sidecar', image: 'sidecar:1', securityContext: { ensureNonRoot: true, user: 1000 } });
    deployment.addInitContainer({
      name: 'init',
      image: 'init:1',
      securityContext: { ensureNonRoot: true, user: 1000, capabilities: { drop: [kplus.Capability.NET_RAW] } },
    });
    // WHEN hardened
    hardenPodSpec(deployment, '/spec/template/spec');
    // THEN only the containers without drop ALL get a capabilities patch, and all end up with it
    const pod = podSpecOf(chart.toJson().find((o: K8sObject) => o.kind === 'Deployment'));
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect([...pod.containers, ...pod.initContainers].map((c: any) => [c.name, c.securityContext.capabilities])).toEqual([
      ['app', { drop: ['ALL'] }],
      ['sidecar', { drop: ['ALL'] }],
      ['init', { drop: ['ALL'] }],
    ]);
  });
});
