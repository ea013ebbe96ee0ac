// Test harness: the in-process API server with a `widgets.example.com` primary resource, a shared
// informer factory over its real KubeConfig, and a controller run that is always stopped.
import { silentLogger, type KubeObject } from '@kubecache/core';
import {
  createSharedInformerFactory,
  type SharedIndexInformer,
  type SharedInformerFactory,
} from '@kubecache/informer';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { vi } from 'vitest';
import type { ControllerOptions } from '../controller-options.js';
import { createController, type Controller, type ControllerRunResult } from '../controller.js';

/** The primary resource of the tests. */
export interface Widget extends KubeObject {
  spec?: { size?: number };
  status?: { seen?: number };
}

export const WIDGETS = 'widgets.example.com';
export const widgetType = { apiVersion: 'example.com/v1', kind: 'Widget' } as const;

export interface Harness {
  server: ApiServer;
  factory: SharedInformerFactory;
  widgets: SharedIndexInformer<Widget>;
  configMaps: SharedIndexInformer<KubeObject>;
  pods: SharedIndexInformer<KubeObject>;
  /** Runs `controller` until `stop()`; `stop` resolves when `run` did. */
  start(controller: Controller): { stop(): Promise<void>; done: Promise<ControllerRunResult> };
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const server = await startApiServer();
  server.registerResource({
    group: 'example.com',
    version: 'v1',
    resource: 'widgets',
    kind: 'Widget',
    namespaced: true,
  });
  const factory = createSharedInformerFactory(server.kubeConfig, { logger: silentLogger });
  const widgets = factory.forResource<Widget>(
    { group: 'example.com', version: 'v1', resource: 'widgets' },
    { kind: 'Widget' },
  );
  const runs: { stop(): Promise<void> }[] = [];
  return {
    server,
    factory,
    widgets,
    configMaps: factory.configMaps(),
    pods: factory.pods(),
    start(controller) {
      const ac = new AbortController();
      const done = controller.run(ac.signal);
      done.catch(() => undefined); // a test that expects a rejection awaits `done` itself
      const handle = {
        done,
        stop: async () => {
          ac.abort();
          await done;
        },
      };
      runs.push(handle);
      return handle;
    },
    async close() {
      await Promise.allSettled(runs.map((r) => r.stop()));
      await factory.shutdown();
      await server.close();
    },
  };
}

export function widget(name: string, size = 1, namespace = 'default'): Widget {
  return { ...widgetType, metadata: { name, namespace }, spec: { size } };
}

/**
 * A controller named `widgets` of the harness's widgets, with a silent logger unless `extra`
 * names one.
 */
export function widgetController(
  h: Harness,
  reconcile: ControllerOptions<Widget>['reconcile'],
  extra: Partial<ControllerOptions<Widget>> = {},
): Controller {
  return createController<Widget>({
    name: 'widgets',
    for: { informer: h.widgets, ...widgetType },
    reconcile,
    logger: silentLogger,
    ...extra,
  });
}

/** Waits (polling every 10 ms) until `fn` stops throwing. */
export function eventually(fn: () => void, timeout = 10_000): Promise<void> {
  return vi.waitFor(fn, { timeout, interval: 10 });
}

/** Resolves after `ms` real milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
