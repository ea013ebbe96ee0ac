import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { checkApplyTarget } from './apply-target.js';
import { builtinResources, resourceId } from './resources.js';
import { isServerApiError } from './status.js';

const def = (id: string) => builtinResources.find((d) => resourceId(d) === id)!;
const problem = (id: string, ns: string | undefined, name: string, config: KubeObject) => {
  try {
    checkApplyTarget(def(id), ns, name, config);
  } catch (err) {
    if (isServerApiError(err)) return `${err.code} ${err.message}`;
    throw err;
  }
  return undefined;
};

describe('checkApplyTarget', () => {
  it("accepts a configuration of the target's kind naming the URL's object", () => {
    const config = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } };
    expect(problem('deployments.apps', 'ns', 'd', config)).toBeUndefined();
    expect(
      problem('configmaps', 'ns', 'c', { apiVersion: 'v1', kind: 'ConfigMap' }),
    ).toBeUndefined();
  });

  it('answers 400 with kube-apiserver’s message for another kind, name or namespace', () => {
    expect(problem('configmaps', 'ns', 'c', { apiVersion: 'apps/v1', kind: 'ConfigMap' })).toBe(
      '400 invalid object type: apps/v1, Kind=ConfigMap',
    );
    expect(
      problem('configmaps', 'ns', 'c', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x' },
      }),
    ).toBe('400 the name of the object (x) does not match the name on the URL (c)');
    expect(
      problem('configmaps', 'ns', 'c', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: 'other' },
      }),
    ).toBe(
      '400 the namespace of the provided object does not match the namespace sent on the request',
    );
  });
});
