// Events as kube-apiserver serves them: one storage, two APIs. core/v1 `events` and
// events.k8s.io/v1 `events` are views of the same objects (k8s.io/kubernetes pkg/registry/core/event
// and pkg/registry/events): a write through either shows in both, at the same resourceVersion, with
// the fields mapped as pkg/apis/events/v1/conversion.go maps them (note ↔ message, regarding ↔
// involvedObject, reportingController ↔ reportingComponent, deprecatedSource ↔ source,
// deprecatedFirstTimestamp/deprecatedLastTimestamp/deprecatedCount ↔ firstTimestamp/lastTimestamp/
// count). Creates are validated as pkg/apis/core/validation/events.go does (strictly through
// events.k8s.io/v1).
import type { KubeObject, StatusCause } from '@kubecache/core';
import { invalid, type ServerApiError } from './status.js';

type Rec = Record<string, unknown>;

/** Copies `value` under `key` unless it is undefined, or equal to `omit` (Go's omitempty). */
function put(out: Rec, key: string, value: unknown, omit?: unknown): void {
  if (value === undefined || value === omit) return;
  out[key] = value;
}

/**
 * A core/v1 Event as events.k8s.io/v1 shows it (Convert_core_Event_To_v1_Event), fields in the
 * order and with the empty values Go's encoder writes (`eventTime: null`, `regarding: {}`,
 * `deprecatedSource: {}`, null deprecated timestamps).
 */
export function coreEventToV1(o: KubeObject): KubeObject {
  const e = o as Rec;
  const out: Rec = { kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: o.metadata ?? {} };
  out.eventTime = e.eventTime ?? null;
  put(out, 'series', e.series);
  put(out, 'reportingController', e.reportingComponent, '');
  put(out, 'reportingInstance', e.reportingInstance, '');
  put(out, 'action', e.action, '');
  put(out, 'reason', e.reason, '');
  out.regarding = e.involvedObject ?? {};
  put(out, 'related', e.related);
  put(out, 'note', e.message, '');
  put(out, 'type', e.type, '');
  out.deprecatedSource = e.source ?? {};
  out.deprecatedFirstTimestamp = e.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = e.lastTimestamp ?? null;
  put(out, 'deprecatedCount', e.count, 0);
  return out;
}

/** An events.k8s.io/v1 Event as core/v1 shows it (Convert_v1_Event_To_core_Event). */
export function v1EventToCore(o: KubeObject): KubeObject {
  const e = o as Rec;
  const out: Rec = { kind: 'Event', apiVersion: 'v1', metadata: o.metadata ?? {} };
  out.involvedObject = e.regarding ?? {};
  put(out, 'reason', e.reason, '');
  put(out, 'message', e.note, '');
  out.source = e.deprecatedSource ?? {};
  out.firstTimestamp = e.deprecatedFirstTimestamp ?? null;
  out.lastTimestamp = e.deprecatedLastTimestamp ?? null;
  put(out, 'count', e.deprecatedCount, 0);
  put(out, 'type', e.type, '');
  out.eventTime = e.eventTime ?? null;
  put(out, 'series', e.series);
  put(out, 'action', e.action, '');
  put(out, 'related', e.related);
  // reportingComponent and reportingInstance have no omitempty in core/v1.
  out.reportingComponent = e.reportingController ?? '';
  out.reportingInstance = e.reportingInstance ?? '';
  return out;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const required = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: 'Required value',
});
const bad = (field: string, message: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: "": ${message}`,
});

/**
 * Validates an Event being created, given in core/v1 shape, as ValidateEventCreate does: the
 * legacy rules always (namespace of involvedObject; with eventTime set, reportingController,
 * reportingInstance, action and reason required); through events.k8s.io/v1 (`strict`) also
 * eventTime required, type Normal or Warning, series count ≥ 2, and the deprecated fields unset.
 * Field paths are the internal ones, as kube-apiserver reports them. Returns the 422 to throw, or
 * undefined.
 */
export function validateEventCreate(
  core: KubeObject,
  namespace: string,
  strict: boolean,
): ServerApiError | undefined {
  const e = core as Rec;
  const involved = (e.involvedObject ?? {}) as Rec;
  const involvedNs = str(involved.namespace);
  const causes: StatusCause[] = [];
  const mismatch = (): StatusCause => ({
    reason: 'FieldValueInvalid',
    field: 'involvedObject.namespace',
    message: `Invalid value: "${involvedNs}": does not match event.namespace`,
  });
  const hasEventTime = e.eventTime !== undefined && e.eventTime !== null && e.eventTime !== '';
  if (!hasEventTime) {
    if (involvedNs === '' ? namespace !== '' && namespace !== 'default' : namespace !== involvedNs)
      causes.push(mismatch());
  } else {
    if (involvedNs === '' && namespace !== 'default' && namespace !== 'kube-system')
      causes.push(mismatch());
    if (str(e.reportingComponent) === '') causes.push(required('reportingController'));
    if (str(e.reportingInstance) === '') causes.push(required('reportingInstance'));
    if (str(e.action) === '') causes.push(required('action'));
    if (str(e.reason) === '') causes.push(required('reason'));
    if (str(e.message).length > 1024)
      causes.push(bad('message', 'can have at most 1024 characters'));
  }
  if (strict) {
    const series = e.series as { count?: unknown; lastObservedTime?: unknown } | undefined;
    if (series !== undefined && series !== null) {
      if (typeof series.count !== 'number' || series.count < 2)
        causes.push(bad('series.count', 'should be at least 2'));
      if (series.lastObservedTime === undefined || series.lastObservedTime === null)
        causes.push(required('series.lastObservedTime'));
    }
    if (!hasEventTime) causes.push(required('eventTime'));
    if (e.type !== 'Normal' && e.type !== 'Warning')
      causes.push(bad('type', `has invalid value: ${str(e.type)}`));
    for (const f of ['firstTimestamp', 'lastTimestamp'] as const)
      if (e[f] !== undefined && e[f] !== null) causes.push(bad(f, 'needs to be unset'));
    if (e.count !== undefined && e.count !== 0) causes.push(bad('count', 'needs to be unset'));
    const source = (e.source ?? {}) as Rec;
    if (str(source.component) !== '' || str(source.host) !== '')
      causes.push(bad('source', 'needs to be unset'));
  }
  if (causes.length === 0) return undefined;
  return invalid(strict ? 'Event.events.k8s.io' : 'Event', str((core.metadata ?? {}).name), causes);
}

/**
 * Throws the 422 kube-apiserver answers to an Event created through resource `resourceId`
 * (`events` or `events.events.k8s.io`) in `namespace`; does nothing for other resources.
 */
export function checkEventCreate(resourceId: string, obj: KubeObject, namespace: string): void {
  const err =
    resourceId === 'events'
      ? validateEventCreate(obj, namespace, false)
      : resourceId === 'events.events.k8s.io'
        ? validateEventCreate(v1EventToCore(obj), namespace, true)
        : undefined;
  if (err !== undefined) throw err;
}
