import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { makePod } from '@kubecache/testing';
import { age, describeChange, podRow } from './describe.js';

describe('pod descriptions', () => {
  it('renders a table row from a pod', () => {
    const pod = {
      ...makePod({ namespace: 'ns', name: 'p', nodeName: 'n1' }),
      metadata: {
        namespace: 'ns',
        name: 'p',
        creationTimestamp: new Date(Date.now() - 90_000).toISOString(),
      },
    };
    expect(podRow(pod)).toEqual({
      namespace: 'ns',
      name: 'p',
      phase: 'Running',
      ready: '2/2',
      restarts: 0,
      age: '90s',
      node: 'n1',
    });
  });

  it('describes phase, restart and ready changes, and nothing for other changes', () => {
    const a = makePod({ namespace: 'ns', name: 'p' }) as KubeObject & {
      status: { phase: string; containerStatuses: { restartCount: number; ready: boolean }[] };
    };
    const b = structuredClone(a);
    b.status.phase = 'Failed';
    b.status.containerStatuses[0]!.restartCount = 2;
    b.status.containerStatuses[0]!.ready = false;
    expect(describeChange(a, b)).toBe('phase Running→Failed, restarts 0→2, ready 2/2→1/2');
    expect(describeChange(a, structuredClone(a))).toBe('');
    expect(describeChange(undefined, a)).toBe('');
  });

  it('formats ages like kubectl', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect([
      age('2025-12-31T23:59:15Z', now),
      age('2025-12-31T23:00:00Z', now),
      age('2025-12-31T00:00:00Z', now),
      age('2025-12-20T00:00:00Z', now),
      age(undefined, now),
    ]).toEqual(['45s', '60m', '24h', '12d', '?']);
  });
});
