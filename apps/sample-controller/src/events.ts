// Event recording for the sample: sample-controller records Kubernetes Events on the Foo
// (SuccessSynced, ErrResourceExists). Here they are structured log lines, one per event, with the
// same type, reason and message.
import type { KubeObject, Logger } from '@kubecache/core';

/** A recorded event, as the tests read them back. */
export interface RecordedEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly object: string;
}

/** Records events about objects (client-go `record.EventRecorder`, reduced to logging). */
export interface EventRecorder {
  /** Records one event about `object`. */
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
