// The little of Kubernetes' protobuf wire format the in-process API server decodes: kubectl sends
// `application/vnd.kubernetes.protobuf` bodies for built-in types (`kubectl create namespace`,
// `kubectl create configmap`). A body is the magic `k8s\0` and a runtime.Unknown (typeMeta, raw);
// `raw` is the object's message (k8s.io/api core/v1 generated.proto; field 1 is ObjectMeta, from
// k8s.io/apimachinery meta/v1 generated.proto). This decodes ObjectMeta's name, generateName,
// namespace, labels, annotations and finalizers, a ConfigMap's data/binaryData/immutable, and
// accepts any other field only when it is empty; everything else is a 415, never a silent loss.
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
      `the in-process API server (@kubecache/testing) decodes protobuf bodies only for object metadata and config map data (${what}): send Content-Type: application/json`,
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
