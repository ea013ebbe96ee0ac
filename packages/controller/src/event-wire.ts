// How a recorded event looks on the wire (events.k8s.io/v1): its references in ObjectReference's
// field order, its eventTime as a metav1.MicroTime, and its name (client-go tools/events
// event_recorder.go makeEvent: `<regarding name>.<hex of ns since the epoch>`).
import type { KubeObject } from '@kubecache/core';
import type { EventObjectReference } from './event-correlator.js';

/** What `regarding` and `related` take: an object with `apiVersion`, `kind` and `metadata`, or a reference. */
export type EventSubject = KubeObject | EventObjectReference;

/** Longest object name: a DNS subdomain. */
const maxNameChars = 253;

/** Formats ms since the epoch as a metav1.MicroTime (RFC 3339 with 6 fraction digits, UTC). */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The reference of a subject: an object's apiVersion, kind and metadata, or the reference itself. */
export function referenceOf(subject: EventSubject): EventObjectReference {
  if ('metadata' in subject && typeof subject.metadata === 'object' && subject.metadata !== null) {
    const m = subject.metadata;
    return {
      apiVersion: subject.apiVersion,
      kind: subject.kind,
      namespace: m.namespace,
      name: m.name,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
    };
  }
  return subject;
}

/** The reference as the API stores it: set fields only, in ObjectReference's order. */
export function wireReference(r: EventObjectReference): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of [
    'kind',
    'namespace',
    'name',
    'uid',
    'apiVersion',
    'resourceVersion',
    'fieldPath',
  ] as const) {
    const v = r[f];
    if (typeof v === 'string' && v !== '') out[f] = v;
  }
  return out;
}

/**
 * Creates the namer of one recorder's Events: `<regarding name>.<hex>`, the hex of `now` in ms ×
 * 10⁶ plus a sequence number (so that names made in the same ms differ; client-go uses the
 * nanoseconds of the clock), the regarding name cut so that the whole is at most 253 characters.
 */
export function createEventNamer(): (regardingName: string, now: number) => string {
  let nameSeq = 0;
  return (regardingName, now) => {
    nameSeq = (nameSeq + 1) % 1_000_000;
    const suffix = (BigInt(now) * 1_000_000n + BigInt(nameSeq)).toString(16);
    const base = regardingName.slice(0, maxNameChars - suffix.length - 1);
    return `${base}.${suffix}`;
  };
}
