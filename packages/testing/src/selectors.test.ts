import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { compileFilter } from './selectors.js';
import { startApiServer } from './server.js';
import { isServerApiError } from './status.js';

const pod = (name: string, labels: Record<string, string>, nodeName = '', phase = ''): KubeObject =>
  ({
    metadata: { name, namespace: 'ns', labels },
    spec: { nodeName },
    status: { phase },
  }) as KubeObject;
const pods = [
  pod('a', { app: 'web', tier: 'front' }, 'n1', 'Running'),
  pod('b', { app: 'db' }, 'n2', 'Pending'),
  pod('c', {}, '', 'Running'),
];
const select = (resource: string, labels: string | null, fields: string | null): string[] => {
  const f = compileFilter(resource, labels, fields);
  return pods.filter((p) => f === undefined || f(p)).map((p) => p.metadata?.name ?? '');
};

describe('compileFilter', () => {
  it('returns no filter for empty selectors', () => {
    expect(compileFilter('pods', null, null)).toBeUndefined();
    expect(compileFilter('pods', '', '')).toBeUndefined();
  });

  it('applies equality and set-based label selectors', () => {
    expect(select('pods', 'app=web', null)).toEqual(['a']);
    expect(select('pods', 'app!=web', null)).toEqual(['b', 'c']);
    expect(select('pods', 'app in (web,db)', null)).toEqual(['a', 'b']);
    expect(select('pods', 'app notin (web)', null)).toEqual(['b', 'c']);
    expect(select('pods', 'tier', null)).toEqual(['a']);
    expect(select('pods', '!tier', null)).toEqual(['b', 'c']);
  });

  it('applies metadata field selectors to any resource and spec.nodeName / status.phase to pods', () => {
    expect(select('configmaps', null, 'metadata.name=b')).toEqual(['b']);
    expect(select('configmaps', null, 'metadata.namespace==ns,metadata.name!=a')).toEqual([
      'b',
      'c',
    ]);
    expect(select('pods', null, 'spec.nodeName=')).toEqual(['c']);
    expect(select('pods', 'app', 'status.phase=Running')).toEqual(['a']);
  });

  it('answers 400 for unknown fields, malformed field terms and bad label selectors', () => {
    for (const [labels, fields] of [
      [null, 'spec.nodeName=n1'],
      [null, 'metadata.bogus=1'],
      [null, 'justtext'],
      ['app in (web', null],
    ] as const) {
      let err: unknown;
      try {
        compileFilter(fields === 'spec.nodeName=n1' ? 'configmaps' : 'pods', labels, fields);
      } catch (e) {
        err = e;
      }
      expect(isServerApiError(err) && err.code).toBe(400);
    }
  });

  it('answers a bad label selector over HTTP as kube-apiserver does: 400 BadRequest, the parser message, no class name', async () => {
    const server = await startApiServer();
    try {
      const res = await fetch(
        `${server.url}/api/v1/pods?labelSelector=${encodeURIComponent('app in (web')}`,
      );
      expect(res.status).toBe(400);
      const status = (await res.json()) as {
        kind: string;
        reason: string;
        code: number;
        message: string;
      };
      expect(status).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'BadRequest',
        code: 400,
      });
      expect(status.message).toMatch(/^unable to parse requirement: .*"app in \(web"/);
      expect(status.message).not.toMatch(/SelectorParseError|Error:/);
    } finally {
      await server.close();
    }
  });
});
