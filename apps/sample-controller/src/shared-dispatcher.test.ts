// withSharedDispatcher over real HTTP: the in-process API server, client-node's AppsV1Api.
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { AppsV1Api, Observable, type ConfigurationOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerSampleResources } from './demo.js';
import { withSharedDispatcher } from './shared-dispatcher.js';

let server: ApiServer;
beforeEach(async () => {
  server = await startApiServer();
  registerSampleResources(server);
});
afterEach(async () => {
  await server.close();
});

/** client-node options whose middleware records the dispatcher each request is sent with. */
function recording(seen: unknown[]): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context) => {
          seen.push(context.getDispatcher());
          return new Observable(Promise.resolve(context));
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

describe('withSharedDispatcher', () => {
  it('sends every request of its API clients through one dispatcher', async () => {
    const shared = withSharedDispatcher(server.kubeConfig);
    const apps = shared.kubeConfig.makeApiClient(AppsV1Api);
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      await apps.listNamespacedDeployment({ namespace: 'default' }, recording(seen));
    }
    await Promise.all([
      apps.listNamespacedDeployment({ namespace: 'default' }, recording(seen)),
      apps.listNamespacedDeployment({ namespace: 'default' }, recording(seen)),
    ]);
    expect(seen).toHaveLength(5);
    expect(seen[0]).toBeDefined();
    expect(new Set(seen).size).toBe(1);
    await shared.close();
  });

  it('takes a new dispatcher when the TLS configuration changes, and closes the old one', async () => {
    const shared = withSharedDispatcher(server.kubeConfig);
    const apps = shared.kubeConfig.makeApiClient(AppsV1Api);
    const seen: { closed?: boolean }[] = [];
    await apps.listNamespacedDeployment({ namespace: 'default' }, recording(seen));
    await apps.listNamespacedDeployment({ namespace: 'default' }, recording(seen));
    // The kubeconfig reloaded with a tls-server-name: a different TLS configuration.
    server.kubeConfig.loadFromString(
      server
        .kubeConfigYaml()
        .replace(
          'insecure-skip-tls-verify: true',
          'insecure-skip-tls-verify: true\n    tls-server-name: other',
        ),
    );
    await apps.listNamespacedDeployment({ namespace: 'default' }, recording(seen));
    await apps.listNamespacedDeployment({ namespace: 'default' }, recording(seen));
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[1]);
    expect(seen[3]).toBe(seen[2]);
    await shared.close();
    expect(seen[1]?.closed).toBe(true);
    expect(seen[3]?.closed).toBe(true);
  });
});
