// The Deployment a Foo asks for (sample-controller's newDeployment): nginx, labelled with the
// Foo's name, with a controller reference back to the Foo so the garbage collector deletes it
// with its owner and the controller can tell it is its own.
import { newControllerRef } from '@kubecache/controller';
import { deploymentResource, fooResource, type Deployment, type Foo } from './types.js';

/**
 * The desired Deployment of `foo`.
 *
 * @throws TypeError when `foo` has no name, uid or `spec.deploymentName`.
 */
export function newDeployment(foo: Foo): Deployment {
  const name = foo.spec?.deploymentName;
  if (name === undefined || name === '') throw new TypeError('foo has no spec.deploymentName');
  const labels = { app: 'nginx', controller: foo.metadata?.name ?? '' };
  return {
    apiVersion: deploymentResource.apiVersion,
    kind: deploymentResource.kind,
    metadata: {
      name,
      namespace: foo.metadata?.namespace ?? 'default',
      ownerReferences: [newControllerRef(foo, fooResource)],
    },
    spec: {
      ...(foo.spec?.replicas !== undefined ? { replicas: foo.spec.replicas } : {}),
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }] },
      },
    },
  };
}
