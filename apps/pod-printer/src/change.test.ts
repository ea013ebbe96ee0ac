import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { makePod } from '@kubecache/testing';
import { describeChange } from './change.js';

interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state: Record<string, Record<string, unknown>>;
}
type Pod = KubeObject & {
  metadata: {
    resourceVersion?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec: { nodeName?: string; activeDeadlineSeconds?: number };
  status: {
    phase: string;
    conditions?: { type: string; status: string }[];
    containerStatuses: ContainerStatus[];
  };
};

const pod = (): Pod => {
  const p = makePod({ namespace: 'ns', name: 'p' }) as Pod;
  p.metadata.resourceVersion = '1';
  p.status.conditions = [
    { type: 'Ready', status: 'True' },
    { type: 'PodScheduled', status: 'True' },
  ];
  return p;
};
const changed = (edit: (p: Pod) => void): string => {
  const a = pod();
  const b = structuredClone(a);
  b.metadata.resourceVersion = '2';
  edit(b);
  return describeChange(a, b);
};

describe('what a MODIFIED line says changed', () => {
  it('phase, restarts, readiness and node, as before', () => {
    expect(
      changed((b) => {
        b.status.phase = 'Failed';
        b.status.containerStatuses[0]!.restartCount = 2;
        b.status.containerStatuses[0]!.ready = false;
      }),
    ).toBe('phase Running→Failed, restarts 0→2, ready 2/2→1/2');
  });

  it('labels: added with their value, removed, and changed', () => {
    expect(
      changed((b) => {
        b.metadata.labels['tier'] = 'web';
        delete b.metadata.labels['group'];
        b.metadata.labels['name'] = 'other';
      }),
    ).toBe('labels +tier=web -group name=deployment-0→other');
  });

  it('annotations by key only (values can be huge)', () => {
    expect(
      changed((b) => {
        b.metadata.annotations['example.com/big'] = 'x'.repeat(5000);
        b.metadata.annotations['kubernetes.io/config.seen'] = 'later';
      }),
    ).toBe('annotations +example.com/big ~kubernetes.io/config.seen');
  });

  it('conditions: a status flip, and a condition that appears', () => {
    expect(
      changed((b) => {
        b.status.conditions![0]!.status = 'False';
        b.status.conditions!.push({ type: 'DisruptionTarget', status: 'True' });
      }),
    ).toBe('condition Ready True→False, condition DisruptionTarget +True');
  });

  it('container states with the reason', () => {
    expect(
      changed((b) => {
        b.status.containerStatuses[1]!.state = {
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m' },
        };
      }),
    ).toBe('container sidecar running→waiting (CrashLoopBackOff)');
  });

  it('a deletion timestamp, and other spec or status fields', () => {
    expect(
      changed((b) => {
        b.metadata.deletionTimestamp = '2026-11-22T10:00:00Z';
      }),
    ).toBe('terminating');
    expect(
      changed((b) => {
        b.spec.activeDeadlineSeconds = 30;
      }),
    ).toBe('spec changed');
  });

  it('says "metadata only" when nothing but metadata bookkeeping moved', () => {
    expect(changed(() => undefined)).toBe('metadata only (resourceVersion 1→2)');
    expect(describeChange(pod(), pod())).toBe('no change (resync)');
    expect(describeChange(undefined, pod())).toBe('');
  });
});
