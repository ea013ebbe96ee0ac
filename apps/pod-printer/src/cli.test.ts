import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { buildProgram, parseArgs, parseDuration } from './cli.js';

describe('command line', () => {
  it('defaults: all namespaces, 30 s interval, 2 workers, table in a terminal and lines when piped', () => {
    const tty = parseArgs([], true);
    expect(tty).toMatchObject({
      allNamespaces: true,
      intervalMs: 30_000,
      workers: 2,
      resyncMs: 0,
      output: 'table',
      demo: false,
    });
    expect(parseArgs([], false).output).toBe('lines');
  });

  it('parses every flag', () => {
    const o = parseArgs(
      [
        '--kubeconfig',
        '/k',
        '--context',
        'c',
        '-n',
        'ns',
        '-l',
        'app=web',
        '--field-selector',
        'spec.nodeName=n1',
        '--interval',
        '5s',
        '--workers',
        '4',
        '--resync',
        '1m',
        '-o',
        'json',
        '--metrics-port',
        '9100',
        '--demo',
      ],
      true,
    );
    expect(o).toMatchObject({
      kubeconfig: '/k',
      context: 'c',
      namespace: 'ns',
      allNamespaces: false,
      selector: 'app=web',
      fieldSelector: 'spec.nodeName=n1',
      intervalMs: 5000,
      workers: 4,
      resyncMs: 60_000,
      output: 'json',
      metricsPort: 9100,
      demo: true,
    });
  });

  it('rejects bad values with a clear error', () => {
    expect(() => parseArgs(['--workers', '0'], false)).toThrow(/positive integer/);
    expect(() => parseArgs(['--interval', 'soon'], false)).toThrow(/not a duration/);
    expect(() => parseArgs(['-o', 'yaml'], false)).toThrow(/Allowed choices/);
    expect(() => parseArgs(['-n', 'a', '-A'], false)).toThrow(/exclude each other/);
  });

  it('parses durations with units, Go style: 500ms, 1.5s, 2m, 1h, 1m30s', () => {
    expect([
      parseDuration('500ms'),
      parseDuration('1.5s'),
      parseDuration('2m'),
      parseDuration('1h'),
      parseDuration('1m30s'),
      parseDuration('0'),
    ]).toEqual([500, 1500, 120_000, 3_600_000, 90_000, 0]);
  });

  it('rejects a bare number other than 0, naming the units (is `--interval 5` seconds or ms?)', () => {
    expect(() => parseDuration('5')).toThrow(/needs a unit.*5s.*500ms/);
    expect(() => parseArgs(['--interval', '30000'], false)).toThrow(/needs a unit/);
  });

  it('shows every default once, in the syntax the flag accepts', () => {
    const help = buildProgram().configureHelp({ helpWidth: 200 }).helpInformation();
    expect(help).toMatch(/--interval <duration>[^\n]*\(default: 30s\)/);
    expect(help).toMatch(/--resync <duration>[^\n]*\(default: 0, off\)/);
    expect(help).not.toContain('30000');
    expect(help).not.toContain('(default: false)');
    for (const line of help.split('\n'))
      expect(line.replace('"default"', '').match(/default/g)?.length ?? 0).toBeLessThan(2);
  });

  it('--leader-elect: lease default/pod-printer, identity <hostname>_<pid>, client-go timings; flags override', () => {
    expect(parseArgs([], false).leaderElection).toBeUndefined();
    const d = parseArgs(['--leader-elect'], false).leaderElection;
    expect(d).toEqual({
      leaseName: 'pod-printer',
      leaseNamespace: 'default',
      identity: `${hostname()}_${process.pid}`,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    const o = parseArgs(
      [
        '--leader-elect',
        '--lease-name',
        'l',
        '--lease-namespace',
        'sys',
        '--identity',
        'pod-a',
        '--lease-duration',
        '4s',
        '--renew-deadline',
        '3s',
        '--retry-period',
        '1s',
      ],
      false,
    ).leaderElection;
    expect(o).toEqual({
      leaseName: 'l',
      leaseNamespace: 'sys',
      identity: 'pod-a',
      leaseDurationMs: 4000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 1000,
    });
  });

  it('rejects leader-election timings client-go rejects, naming the flags', () => {
    const le =
      (...a: string[]) =>
      () =>
        parseArgs(['--leader-elect', ...a], false);
    expect(le('--renew-deadline', '20s')).toThrow(
      /--renew-deadline must be shorter than --lease-duration/,
    );
    expect(le('--retry-period', '9s')).toThrow(/longer than 1\.2 × --retry-period/);
    expect(le('--lease-duration', '15500ms')).toThrow(/whole seconds/);
  });
});
