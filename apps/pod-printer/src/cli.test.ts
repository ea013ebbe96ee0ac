import { describe, expect, it } from 'vitest';
import { parseArgs, parseDuration } from './cli.js';

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

  it('parses durations with units', () => {
    expect([
      parseDuration('500ms'),
      parseDuration('2'),
      parseDuration('1.5s'),
      parseDuration('2m'),
      parseDuration('1h'),
    ]).toEqual([500, 2000, 1500, 120_000, 3_600_000]);
  });
});
