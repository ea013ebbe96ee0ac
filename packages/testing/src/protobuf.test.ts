import { describe, expect, it } from 'vitest';
import { decodeProtobufObject } from './protobuf.js';
import { isServerApiError } from './status.js';

// Bodies kubectl v1.32 sent for `kubectl create namespace demo` and `kubectl create configmap c --from-literal=a=b`.
const NAMESPACE =
  '6b3873000a0f0a02763112094e616d657370616365121c0a140a0464656d6f12001a0022002a0032003800420012001a020a001a002200';
const CONFIGMAP =
  '6b3873000a0f0a0276311209436f6e6669674d6170121b0a110a016312001a0022002a0032003800420012060a01611201621a002200';

// `kubectl create deployment web --image=nginx:1.27 --replicas=2 --port=80` (v1.32).
const DEPLOYMENT =
  '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bd010a1f0a0377656212001a0022002a003200380042005a0a0a036170701203776562128b010802120c0a0a0a0361707012037765621a710a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125112330a056e67696e78120a6e67696e783a312e32372a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200';

describe('decodeProtobufObject', () => {
  it('decodes the Deployment kubectl create deployment sends', () => {
    expect(decodeProtobufObject(Buffer.from(DEPLOYMENT, 'hex'))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }],
          },
        },
      },
    });
  });

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
