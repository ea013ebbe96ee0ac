import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { makePod } from '@kubecache/testing';
import { age, podRow, podStatus } from './describe.js';

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
      status: 'Running',
      ready: '2/2',
      restarts: 0,
      age: '90s',
      node: 'n1',
    });
  });

  it('shows the STATUS kubectl shows: a waiting reason, Terminating, or the phase', () => {
    const pod = makePod({ namespace: 'ns', name: 'p' }) as KubeObject & {
      status: { containerStatuses: { state: Record<string, unknown> }[] };
    };
    expect(podStatus(pod)).toBe('Running');
    pod.status.containerStatuses[0]!.state = { waiting: { reason: 'CrashLoopBackOff' } };
    expect(podStatus(pod)).toBe('CrashLoopBackOff');
    pod.status.containerStatuses[0]!.state = { terminated: { exitCode: 137 } };
    expect(podStatus(pod)).toBe('ExitCode:137');
    pod.metadata = { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' };
    expect(podStatus(pod)).toBe('Terminating');
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
