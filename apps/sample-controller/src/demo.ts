// --demo: the in-process API server (@kubecache/testing) with the Foo CRD and apps/v1
// Deployments registered, a few Foos, and a stand-in for kube-controller-manager's deployment
// controller that reports every Deployment's replicas as available a moment after they change.
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { deploymentResource, fooResource, type Deployment, type Foo } from './types.js';

/** Resource ids of the in-process server. */
export const FOOS = `${fooResource.resource}.${fooResource.group}`;
export const DEPLOYMENTS = `${deploymentResource.resource}.${deploymentResource.group}`;

/** Registers the Foo CRD (with a /status subresource) and apps/v1 Deployments on `server`. */
export function registerSampleResources(server: ApiServer): void {
  server.registerResource({
    group: fooResource.group,
    version: fooResource.version,
    resource: fooResource.resource,
    kind: fooResource.kind,
    namespaced: true,
    statusSubresource: true,
  });
  server.registerResource({
    group: deploymentResource.group,
    version: deploymentResource.version,
    resource: deploymentResource.resource,
    kind: deploymentResource.kind,
    namespaced: true,
    statusSubresource: true,
    shortNames: ['deploy'],
  });
}

/** A Foo object. */
export function makeFoo(name: string, spec: Foo['spec'], namespace = 'default'): Foo {
  return {
    apiVersion: fooResource.apiVersion,
    kind: fooResource.kind,
    metadata: { name, namespace },
    ...(spec ? { spec } : {}),
  };
}

/**
 * Plays kube-controller-manager's deployment controller: every `periodMs`, each Deployment whose
 * `status.availableReplicas` differs from `spec.replicas` (default 1) gets it through `/status`.
 * Runs until `signal` aborts.
 */
export function simulateDeploymentController(
  server: ApiServer,
  signal: AbortSignal,
  periodMs = 300,
): void {
  const timer = setInterval(() => {
    for (const d of server.list(DEPLOYMENTS).items as Deployment[]) {
      const want = d.spec?.replicas ?? 1;
      if (d.status?.availableReplicas === want) continue;
      try {
        server.patch(
          DEPLOYMENTS,
          d.metadata?.namespace,
          d.metadata?.name ?? '',
          { status: { replicas: want, availableReplicas: want } },
          { subresource: 'status' },
        );
      } catch {
        // deleted meanwhile
      }
    }
  }, periodMs);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}

/** The demo: server, resources, seed objects, simulated deployment controller, slow churn. */
export async function startDemo(signal: AbortSignal): Promise<ApiServer> {
  const server = await startApiServer();
  registerSampleResources(server);
  server.create(FOOS, makeFoo('example-foo', { deploymentName: 'example-foo', replicas: 1 }));
  server.create(FOOS, makeFoo('web', { deploymentName: 'web', replicas: 3 }));
  // A Deployment nobody's Foo owns, and a Foo that wants its name: the controller refuses it.
  const stray: Deployment = {
    apiVersion: deploymentResource.apiVersion,
    kind: deploymentResource.kind,
    metadata: { name: 'hand-made', namespace: 'default' },
    spec: { replicas: 1 },
  };
  server.create(DEPLOYMENTS, stray);
  server.create(FOOS, makeFoo('greedy', { deploymentName: 'hand-made', replicas: 2 }));
  simulateDeploymentController(server, signal);
  // Scale example-foo 1 → 2 → 3 → 1 … every 5 s.
  let replicas = 1;
  const churn = setInterval(() => {
    replicas = (replicas % 3) + 1;
    server.patch(FOOS, 'default', 'example-foo', { spec: { replicas } });
  }, 5000);
  signal.addEventListener('abort', () => clearInterval(churn), { once: true });
  return server;
}
