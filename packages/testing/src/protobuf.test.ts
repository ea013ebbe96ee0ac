import { describe, expect, it } from 'vitest';
import { decodeProtobufObject } from './protobuf.js';
import { isServerApiError } from './status.js';

// Bodies kubectl v1.32 sent for `kubectl create namespace demo` and `kubectl create configmap c --from-literal=a=b`.
const NAMESPACE =
  '6b3873000a0f0a02763112094e616d657370616365121c0a140a0464656d6f12001a0022002a0032003800420012001a020a001a002200';
const CONFIGMAP =
  '6b3873000a0f0a0276311209436f6e6669674d6170121b0a110a016312001a0022002a0032003800420012060a01611201621a002200';

describe('decodeProtobufObject', () => {
  it('decodes the bodies kubectl create sends for namespaces and config maps', () => {
    expect(decodeProtobufObject(Buffer.from(NAMESPACE, 'hex'))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'demo' },
    });
    expect(decodeProtobufObject(Buffer.from(CONFIGMAP, 'hex'))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: 'b' },
    });
  });

  it('answers 415 instead of dropping fields it cannot decode', () => {
    // A Namespace whose spec (field 2) carries a finalizer: not empty, so not silently dropped.
    const withSpec = Buffer.from(NAMESPACE.replace('12001a020a00', '12060a046b756265'), 'hex');
    // Fix up the raw length (0x1c → 0x22) after adding 6 bytes.
    withSpec[withSpec.indexOf(0x1c, 4)] = 0x22;
    for (const body of [withSpec, Buffer.from('not protobuf')]) {
      try {
        decodeProtobufObject(body);
        expect.unreachable();
      } catch (err) {
        expect(isServerApiError(err) && err.code).toBe(415);
      }
    }
  });
});
