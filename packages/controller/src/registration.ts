// The event handlers a controller adds to the informers of its sources — the primary (`for`), its
// children (`owns`) and other resources (`watches`) — as controller-runtime's builder wires
// `For`, `Owns` and `Watches` (pkg/builder/controller.go) and kube-rs's `Controller::owns` /
// `watches` do.
import type { KubeObject, Logger } from '@kubecache/core';
import type { ResourceEventHandlerRegistration, SharedIndexInformer } from '@kubecache/informer';
import { primaryResourceOf, type ControllerOptions } from './controller-options.js';
import { groupOf } from './owner.js';
import { requestFromKey, requestKey, type ReconcileRequest } from './request.js';
import { ownerMapper, selfMapper, sourceHandler, type OwnsSource } from './sources.js';

/**
 * Adds one event handler per source of a controller: the primary's events enqueue the object
 * itself, an owned child's its controller owner when that owner is of the primary's group and
 * kind, a watched object's what its `map` returns; each through the source's predicates.
 *
 * Handler names (the `handler` label of the informer metrics, and their log lines):
 * `controller-<name>-primary`, `controller-<name>-owns-<informer>`,
 * `controller-<name>-watches-<informer>`; a repeat gets `-2`, `-3`, …
 *
 * @param options.enqueue - how a request's key enters the controller's queue, at the event's
 *   priority (`undefined`: the default).
 * @returns the distinct informers of the sources, and the registrations added (in that order:
 *   primary, owns, watches).
 */
export function registerSources<T extends KubeObject>(options: {
  name: string;
  sources: Pick<ControllerOptions<T>, 'for' | 'owns' | 'watches'>;
  enqueue: (key: string, priority: number | undefined) => void;
  logger: Logger;
}): {
  informers: SharedIndexInformer<unknown>[];
  registrations: ResourceEventHandlerRegistration[];
} {
  const { name, sources, logger } = options;
  const informers = new Set<SharedIndexInformer<unknown>>();
  const registrations: ResourceEventHandlerRegistration[] = [];
  const primary = sources.for;
  const type = primaryResourceOf(primary);
  const enqueue = (r: ReconcileRequest, priority: number | undefined): void =>
    options.enqueue(requestKey(r), priority);
  const names = new Set<string>();
  const unique = (role: string): string => {
    const base = `controller-${name}-${role}`;
    let handlerName = base;
    for (let i = 2; names.has(handlerName); i++) handlerName = `${base}-${String(i)}`;
    names.add(handlerName);
    return handlerName;
  };
  const add = <S>(
    informer: SharedIndexInformer<S>,
    role: string,
    handler: Parameters<SharedIndexInformer<S>['addEventHandler']>[0],
  ): void => {
    informers.add(informer);
    registrations.push(informer.addEventHandler(handler, { name: unique(role) }));
  };
  add(
    primary.informer,
    'primary',
    sourceHandler<T>({
      map: selfMapper,
      predicates: primary.predicates ?? [],
      enqueue,
      logger,
      source: `${type.kind} (primary)`,
      requestOfTombstoneKey: (key) => requestFromKey(key),
    }),
  );
  const toOwner = ownerMapper({
    group: groupOf(type.apiVersion),
    kind: type.kind,
    ownerNamespaced: type.namespaced ?? true,
  });
  for (const owned of sources.owns ?? []) {
    const source: OwnsSource = 'informer' in owned ? owned : { informer: owned };
    add(
      source.informer,
      `owns-${source.informer.name}`,
      sourceHandler<KubeObject>({
        map: toOwner,
        predicates: source.predicates ?? [],
        enqueue,
        logger,
        source: 'owned',
      }),
    );
  }
  for (const watched of sources.watches ?? []) {
    add(
      watched.informer,
      `watches-${watched.informer.name}`,
      sourceHandler<unknown>({
        map: watched.map,
        predicates: watched.predicates ?? [],
        enqueue,
        logger,
        source: 'watched',
      }),
    );
  }
  return { informers: [...informers], registrations };
}
