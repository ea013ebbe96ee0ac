// Event recording for the sample: sample-controller records Kubernetes Events on the Foo (Synced,
// ErrResourceExists) through client-go's record.EventRecorder. Here each event is a structured log
// line (createLogEventRecorder) and, with createClusterEventRecorder, also an events.k8s.io/v1
// Event written by @kubecache/controller's createEventRecorder — what `kubectl get events` shows.
import { createEventRecorder } from '@kubecache/controller';
import type { KubeObject, Logger } from '@kubecache/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { fooResource } from './types.js';

/** A recorded event, as the tests read them back. */
export interface RecordedEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly object: string;
}

/** Records events about objects (client-go `record.EventRecorder`'s `Event`). */
export interface EventRecorder {
  /** Records one event about `object`; returns at once and never throws. */
  event(object: KubeObject, type: RecordedEvent['type'], reason: string, message: string): void;
}

/**
 * A recorder that logs each event (info for Normal, warn for Warning) and keeps at least the
 * last `keep` events (at most twice that) for inspection.
 */
export function createLogEventRecorder(
  logger: Logger,
  keep = 1000,
): EventRecorder & { readonly events: RecordedEvent[] } {
  const events: RecordedEvent[] = [];
  return {
    events,
    event(object, type, reason, message) {
      const ref = `${object.kind ?? 'Foo'} ${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
      events.push({ type, reason, message, object: ref });
      if (events.length > 2 * keep) events.splice(0, events.length - keep);
      const fields = { component: 'sample-controller', event: reason, object: ref };
      if (type === 'Warning') logger.warn(fields, message);
      else logger.info(fields, message);
    },
  };
}

/** The recorder of {@link createClusterEventRecorder}: log lines, kept events, cluster Events. */
export interface ClusterEventRecorder extends EventRecorder {
  /** The last recorded events (as {@link createLogEventRecorder} keeps them). */
  readonly events: readonly RecordedEvent[];
  /**
   * Writes the Events in the background until `signal` aborts, then flushes (see
   * `EventRecorder.run` of @kubecache/controller). Resolves when flushed; never rejects.
   */
  run(signal: AbortSignal): Promise<void>;
  /**
   * Stops recording and writes what is pending for at most `timeoutMs` (default 5000 ms), then
   * drops the rest with a warning. Never rejects; idempotent.
   */
  shutdown(options?: { timeoutMs?: number | undefined }): Promise<void>;
}

/**
 * A recorder that logs each event (as {@link createLogEventRecorder}) and records it as an
 * events.k8s.io/v1 Event with `reportingController: sample-controller` and action `Reconcile`
 * (client-go's sample-controller uses the core/v1 recorder, which has no action). A Foo from the
 * lister lacks `apiVersion`/`kind`: they are taken from `fooResource`. Events are written only
 * while `run` is running; the controller needs create and patch on `events.events.k8s.io`.
 */
export function createClusterEventRecorder(
  kubeConfig: KubeConfig,
  logger: Logger,
): ClusterEventRecorder {
  const log = createLogEventRecorder(logger);
  const cluster = createEventRecorder({
    kubeConfig,
    reportingController: 'sample-controller',
    logger,
  });
  return {
    events: log.events,
    event(object, type, reason, message) {
      log.event(object, type, reason, message);
      const regarding: KubeObject = {
        ...object,
        apiVersion: object.apiVersion ?? fooResource.apiVersion,
        kind: object.kind ?? fooResource.kind,
      };
      cluster.eventf(regarding, undefined, type, reason, 'Reconcile', message);
    },
    run: (signal) => cluster.run(signal),
    shutdown: (options) => cluster.shutdown(options),
  };
}
