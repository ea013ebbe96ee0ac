import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseArgs, shardIdsOf } from './cli.js';

describe('parseArgs', () => {
  it('has the sample defaults: 2 workers, no election, all namespaces', () => {
    expect(parseArgs([])).toEqual({
      demo: false,
      workers: 2,
      leaderElect: false,
      leaseNamespace: 'default',
      leaseName: 'sample-controller',
      logLevel: 'info',
      shutdownTimeoutMs: 30_000,
      onPermanentError: 'retry',
      ring: 'sample-controller',
      shards: 1,
    });
  });

  it('reads kubeconfig, namespace, workers, metrics port and election flags', () => {
    const o = parseArgs([
      '--kubeconfig',
      '/tmp/kc',
      '-n',
      'team-a',
      '--workers',
      '4',
      '--metrics-port',
      '9090',
      '--leader-elect',
      '--lease-namespace',
      'kube-system',
      '--demo',
      '--shutdown-timeout-ms',
      '1500',
      '--on-permanent-error',
      'stop',
    ]);
    expect(o).toMatchObject({
      kubeconfig: '/tmp/kc',
      namespace: 'team-a',
      workers: 4,
      metricsPort: 9090,
      leaderElect: true,
      leaseNamespace: 'kube-system',
      demo: true,
      shutdownTimeoutMs: 1500,
      onPermanentError: 'stop',
    });
  });

  it('reads the sharding flags; --demo runs three shards unless --leader-elect', () => {
    const o = parseArgs([
      '--ring',
      'foos',
      '--shard-id',
      'pod-a',
      '--lease-duration-ms',
      '4000',
      '--renew-deadline-ms',
      '3000',
      '--retry-period-ms',
      '1000',
    ]);
    expect(o).toMatchObject({
      ring: 'foos',
      shardId: 'pod-a',
      shards: 1,
      leaseDurationMs: 4000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 1000,
    });
    expect(shardIdsOf(o)).toEqual(['pod-a']);
    expect(shardIdsOf(parseArgs([]))).toEqual([]);
    expect(shardIdsOf(parseArgs(['--demo']))).toEqual(['shard-0', 'shard-1', 'shard-2']);
    expect(shardIdsOf(parseArgs(['--demo', '--shards', '1']))).toEqual([]);
    expect(shardIdsOf(parseArgs(['--demo', '--leader-elect']))).toEqual([]);
    expect(shardIdsOf(parseArgs(['--shards', '2', '--shard-id', 'p']))).toEqual(['p-0', 'p-1']);
  });

  it('refuses --leader-elect with --shard-id or --shards above 1 (usage error)', () => {
    for (const argv of [
      ['--leader-elect', '--shard-id', 'a'],
      ['--leader-elect', '--shards', '2'],
    ]) {
      let err: unknown;
      try {
        parseArgs(argv);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CommanderError);
      expect((err as CommanderError).exitCode).toBe(2);
    }
  });

  it('refuses a worker count that is not a positive integer', () => {
    expect(() => parseArgs(['--workers', '0'])).toThrow(CommanderError);
  });
});
