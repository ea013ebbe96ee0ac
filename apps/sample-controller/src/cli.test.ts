import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli.js';

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

  it('refuses a worker count that is not a positive integer', () => {
    expect(() => parseArgs(['--workers', '0'])).toThrow(CommanderError);
  });
});
