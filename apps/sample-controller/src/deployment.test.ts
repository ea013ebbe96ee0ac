import { describe, expect, it } from 'vitest';
import { makeFoo } from './demo.js';
import { newDeployment } from './deployment.js';

describe('newDeployment', () => {
  it('is an nginx Deployment named by the Foo, labelled with it, controlled by it', () => {
    const foo = makeFoo('f', { deploymentName: 'web', replicas: 2 }, 'ns1');
    foo.metadata = { ...foo.metadata, uid: 'u-1' };
    const d = newDeployment(foo);
    expect(d.metadata).toEqual({
      name: 'web',
      namespace: 'ns1',
      ownerReferences: [
        {
          apiVersion: 'samplecontroller.k8s.io/v1alpha1',
          kind: 'Foo',
          name: 'f',
          uid: 'u-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(d.spec?.replicas).toBe(2);
    expect(d.spec?.selector?.matchLabels).toEqual({ app: 'nginx', controller: 'f' });
    expect(d.spec?.template?.metadata?.labels).toEqual({ app: 'nginx', controller: 'f' });
  });

  it('leaves replicas to the server default when the Foo has none, and needs a deployment name', () => {
    const foo = makeFoo('f', { deploymentName: 'web' });
    foo.metadata = { ...foo.metadata, uid: 'u' };
    expect(newDeployment(foo).spec?.replicas).toBeUndefined();
    expect(() => newDeployment(makeFoo('f', {}))).toThrow(/deploymentName/);
  });
});
