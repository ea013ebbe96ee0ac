import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { Entry } from './entry.js';

describe('Entry', () => {
  it('keeps the JSON, a selector view and hands out fresh copies', () => {
    const obj = {
      metadata: { name: 'p', namespace: 'ns', labels: { a: '1' }, annotations: { big: 'x' } },
      spec: { nodeName: 'n1', containers: [] },
      status: { phase: 'Running' },
    } as KubeObject;
    const e = new Entry(obj);
    (obj.metadata!.labels as Record<string, string>).a = 'changed-later';
    expect(e.view).toEqual({
      metadata: { name: 'p', namespace: 'ns', labels: { a: '1' } },
      spec: { nodeName: 'n1' },
      status: { phase: 'Running' },
    });
    expect(e.obj).not.toBe(e.obj);
    expect(e.obj).toEqual(JSON.parse(e.json));
    expect(JSON.parse(e.metaJson())).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { name: 'p', namespace: 'ns', labels: { a: '1' }, annotations: { big: 'x' } },
    });
  });
});
