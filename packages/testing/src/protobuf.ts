// The little of Kubernetes' protobuf wire format the in-process API server decodes: kubectl sends
// `application/vnd.kubernetes.protobuf` bodies for built-in types (`kubectl create namespace`,
// `kubectl create configmap`). A body is the magic `k8s\0` and a runtime.Unknown (typeMeta, raw);
// `raw` is the object's message (k8s.io/api core/v1 generated.proto; field 1 is ObjectMeta, from
// k8s.io/apimachinery meta/v1 generated.proto). This decodes ObjectMeta's name, generateName,
// namespace, labels, annotations and finalizers, a ConfigMap's data/binaryData/immutable, the
// Deployment `kubectl create deployment` sends (k8s.io/api apps/v1 generated.proto: replicas,
// selector, template labels, containers with name, image, command, args, workingDir, ports, env,
// imagePullPolicy; strategy type, minReadySeconds, revisionHistoryLimit, paused,
// progressDeadlineSeconds), and accepts any other field only when it is empty; everything else is
// a 415, never a silent loss.
import type { KubeObject } from '@kubecache/core';
import { failure, ServerApiError } from './status.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  no: number;
  wire: number;
  /** Varint value (wire 0). */
  num: number;
  /** Bytes (wire 2). */
  bytes: Buffer;
}

const unsupported = (what: string): ServerApiError =>
  new ServerApiError(
    failure(
      415,
      'UnsupportedMediaType',
      `the in-process API server (@kubecache/testing) decodes protobuf bodies only for object metadata, config map data and the Deployments kubectl create deployment sends (${what}): send Content-Type: application/json`,
    ),
  );

function readFields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (i >= buf.length) throw unsupported('truncated message');
      const b = buf[i++]!;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, num: varint(), bytes: Buffer.alloc(0) });
    else if (wire === 2) {
      const len = varint();
      if (i + len > buf.length) throw unsupported('truncated message');
      out.push({ no, wire, num: 0, bytes: buf.subarray(i, i + len) });
      i += len;
    } else throw unsupported(`wire type ${wire}`);
  }
  return out;
}

/** Whether a field carries nothing: 0, an empty string, or a message of empty fields. */
function isEmpty(f: Field): boolean {
  if (f.wire === 0) return f.num === 0;
  if (f.bytes.length === 0) return true;
  try {
    return readFields(f.bytes).every(isEmpty);
  } catch {
    return false;
  }
}

const str = (f: Field): string => f.bytes.toString('utf8');

function mapEntry(f: Field): [string, Buffer] {
  let key = '';
  let value: Buffer = Buffer.alloc(0);
  for (const e of readFields(f.bytes)) {
    if (e.no === 1) key = str(e);
    else if (e.no === 2) value = e.bytes;
  }
  return [key, value];
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const finalizers: string[] = [];
  for (const f of readFields(buf)) {
    if (f.no === 1 && str(f) !== '') meta.name = str(f);
    else if (f.no === 2 && str(f) !== '') meta.generateName = str(f);
    else if (f.no === 3 && str(f) !== '') meta.namespace = str(f);
    else if (f.no === 11) {
      const [k, v] = mapEntry(f);
      labels[k] = v.toString('utf8');
    } else if (f.no === 12) {
      const [k, v] = mapEntry(f);
      annotations[k] = v.toString('utf8');
    } else if (f.no === 14) finalizers.push(str(f));
    else if (!isEmpty(f)) throw unsupported(`metadata field ${f.no}`);
  }
  if (Object.keys(labels).length > 0) meta.labels = labels;
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  if (finalizers.length > 0) meta.finalizers = finalizers;
  return meta;
}

/** How a field of a message decodes: its JSON name and type. */
type FieldType =
  | 'string'
  | 'int' // omitted when 0 (a plain int32 field)
  | 'intPtr' // a *int32: kept when 0
  | 'bool'
  | 'strings'
  | 'stringMap'
  | 'objectMeta'
  | { message: Schema; repeated?: boolean };
type Schema = Record<number, [string, FieldType]>;

const labelSelector: Schema = {
  1: ['matchLabels', 'stringMap'],
  2: [
    'matchExpressions',
    {
      message: { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'strings'] },
      repeated: true,
    },
  ],
};
const container: Schema = {
  1: ['name', 'string'],
  2: ['image', 'string'],
  3: ['command', 'strings'],
  4: ['args', 'strings'],
  5: ['workingDir', 'string'],
  6: [
    'ports',
    {
      message: {
        1: ['name', 'string'],
        2: ['hostPort', 'int'],
        3: ['containerPort', 'int'],
        4: ['protocol', 'string'],
        5: ['hostIP', 'string'],
      },
      repeated: true,
    },
  ],
  7: ['env', { message: { 1: ['name', 'string'], 2: ['value', 'string'] }, repeated: true }],
  14: ['imagePullPolicy', 'string'],
};
/** apps/v1 Deployment without its metadata (field 1). */
const deployment: Schema = {
  2: [
    'spec',
    {
      message: {
        1: ['replicas', 'intPtr'],
        2: ['selector', { message: labelSelector }],
        3: [
          'template',
          {
            message: {
              1: ['metadata', 'objectMeta'],
              2: [
                'spec',
                { message: { 2: ['containers', { message: container, repeated: true }] } },
              ],
            },
          },
        ],
        4: ['strategy', { message: { 1: ['type', 'string'] } }],
        5: ['minReadySeconds', 'int'],
        6: ['revisionHistoryLimit', 'intPtr'],
        7: ['paused', 'bool'],
        9: ['progressDeadlineSeconds', 'intPtr'],
      },
    },
  ],
};

/** A signed int32/int64 varint as a number. */
const int = (f: Field): number => (f.num >= 2 ** 63 ? f.num - 2 ** 64 : f.num);

/** Decodes `buf` per `schema` into JSON as kube-apiserver would see it (empty values omitted). */
function decodeMessage(buf: Buffer, schema: Schema, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const spec = schema[f.no];
    if (spec === undefined) {
      if (!isEmpty(f)) throw unsupported(`${where} field ${f.no}`);
      continue;
    }
    const [name, type] = spec;
    if (type === 'string') {
      if (str(f) !== '') out[name] = str(f);
    } else if (type === 'int' || type === 'intPtr') {
      if (type === 'intPtr' || f.num !== 0) out[name] = int(f);
    } else if (type === 'bool') {
      if (f.num !== 0) out[name] = true;
    } else if (type === 'strings') {
      ((out[name] ??= []) as string[]).push(str(f));
    } else if (type === 'stringMap') {
      const [k, v] = mapEntry(f);
      ((out[name] ??= {}) as Record<string, string>)[k] = v.toString('utf8');
    } else if (type === 'objectMeta') {
      const meta = objectMeta(f.bytes);
      if (Object.keys(meta).length > 0) out[name] = meta;
    } else {
      const value = decodeMessage(f.bytes, type.message, `${where}.${name}`);
      if (type.repeated === true) ((out[name] ??= []) as unknown[]).push(value);
      else if (Object.keys(value).length > 0) out[name] = value;
    }
  }
  return out;
}

/** Decodes a `application/vnd.kubernetes.protobuf` body; 415 for anything it cannot decode faithfully. */
export function decodeProtobufObject(body: Buffer): KubeObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw unsupported('no k8s magic');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of readFields(body.subarray(4))) {
    if (f.no === 1) {
      for (const t of readFields(f.bytes)) {
        if (t.no === 1) apiVersion = str(t);
        else if (t.no === 2) kind = str(t);
      }
    } else if (f.no === 2) raw = f.bytes;
    else if (!isEmpty(f)) throw unsupported(`envelope field ${f.no}`);
  }
  if (kind === '' || raw.length === 0) throw unsupported('no object in the envelope');
  if (kind === 'Deployment' && apiVersion === 'apps/v1') {
    const { metadata = {}, ...body } = decodeMessage(
      raw,
      { 1: ['metadata', 'objectMeta'], ...deployment },
      'Deployment',
    );
    return { apiVersion, kind, metadata, ...body } as KubeObject;
  }
  const obj: Record<string, unknown> = { apiVersion, kind };
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const f of readFields(raw)) {
    if (f.no === 1) obj.metadata = objectMeta(f.bytes);
    else if (kind === 'ConfigMap' && f.no === 2) {
      const [k, v] = mapEntry(f);
      data[k] = v.toString('utf8');
    } else if (kind === 'ConfigMap' && f.no === 3) {
      const [k, v] = mapEntry(f);
      binaryData[k] = v.toString('base64');
    } else if (kind === 'ConfigMap' && f.no === 4 && f.wire === 0) obj.immutable = f.num !== 0;
    else if (!isEmpty(f)) throw unsupported(`${kind || 'object'} field ${f.no}`);
  }
  if (Object.keys(data).length > 0) obj.data = data;
  if (Object.keys(binaryData).length > 0) obj.binaryData = binaryData;
  return obj;
}
