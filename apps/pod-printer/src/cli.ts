// Command-line parsing of pod-printer (commander).
import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';

/** Output modes. */
export type OutputMode = 'table' | 'lines' | 'json';

/** `--leader-elect` and its settings: one replica leads (runs the workers), the others stand by. */
export interface LeaderElectionOptions {
  /** `--lease-name`: the coordination.k8s.io/v1 Lease. Default `pod-printer`. */
  leaseName: string;
  /** `--lease-namespace`: its namespace. Default `default`. */
  leaseNamespace: string;
  /** `--identity`: this replica's name in the Lease. Default `<hostname>_<pid>`. */
  identity: string;
  /** `--lease-duration`, in ms. Default 15 s (client-go's). */
  leaseDurationMs: number;
  /** `--renew-deadline`, in ms. Default 10 s. */
  renewDeadlineMs: number;
  /** `--retry-period`, in ms. Default 2 s. */
  retryPeriodMs: number;
}

/** Parsed options. */
export interface PrinterOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces: boolean;
  selector?: string;
  fieldSelector?: string;
  intervalMs: number;
  workers: number;
  resyncMs: number;
  output: OutputMode;
  metricsPort?: number;
  /** Present with `--leader-elect`. */
  leaderElection?: LeaderElectionOptions;
  demo: boolean;
  demoPods: number;
  demoRate: number;
}

/** The default `--identity`: unique per process on a machine, readable in `kubectl get lease`. */
export function defaultIdentity(): string {
  return `${hostname()}_${process.pid}`;
}

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration the way Go's time.ParseDuration (and kubectl) does: numbers with units, `500ms`,
 * `30s`, `1.5m`, `2h`, `1m30s`. A bare number is rejected (is `5` seconds or milliseconds?), except
 * `0`. Returns milliseconds.
 */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  if (/^\d+(?:\.\d+)?$/.test(t))
    throw new InvalidArgumentError(
      `duration ${JSON.stringify(text)} needs a unit: e.g. ${t}s, ${t}00ms, ${t}m (ms, s, m, h)`,
    );
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(t))
    throw new InvalidArgumentError(
      `not a duration: ${JSON.stringify(text)} (use e.g. 30s, 500ms, 2m, 1m30s)`,
    );
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * unitMs[m[2]!]!;
  return ms;
}

/** A duration option whose help shows its default as it is typed (`30s`), not in milliseconds. */
function durationOption(
  flags: string,
  description: string,
  defaultMs: number,
  shown: string,
): Option {
  return new Option(flags, description).argParser(parseDuration).default(defaultMs, shown);
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`not a port: ${JSON.stringify(text)}`);
  return n;
}

/** Builds the commander program (exported for tests). */
export function buildProgram(): Command {
  return new Command()
    .name('pod-printer')
    .description(
      'Watches pods with a kubecache informer and prints every change (informer → workqueue → workers).',
    )
    .option(
      '--kubeconfig <path>',
      'kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)',
    )
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('-A, --all-namespaces', 'all namespaces (what you get without --namespace)')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=node-1')
    .addOption(
      durationOption(
        '--interval <duration>',
        'print the full key list this often (lines, json), e.g. 10s, 2m',
        30_000,
        '30s',
      ),
    )
    .option('--workers <n>', 'worker count', positiveInt, 2)
    .addOption(durationOption('--resync <duration>', 'informer resync period', 0, '0, off'))
    .addOption(
      new Option('-o, --output <mode>', 'table (default in a terminal), lines or json').choices([
        'table',
        'lines',
        'json',
      ]),
    )
    .option(
      '--metrics-port <port>',
      'serve /metrics (Prometheus), /healthz and /readyz on this port',
      port,
    )
    .option('--leader-elect', 'run the workers only while holding a Lease (HA: run N replicas)')
    .option('--lease-name <name>', 'leader-election Lease name', 'pod-printer')
    .option('--lease-namespace <ns>', 'leader-election Lease namespace', 'default')
    .option('--identity <id>', "this replica's identity in the Lease (default: <hostname>_<pid>)")
    .addOption(
      durationOption(
        '--lease-duration <duration>',
        'leader-election lease duration',
        15_000,
        '15s',
      ),
    )
    .addOption(
      durationOption(
        '--renew-deadline <duration>',
        'leader-election renew deadline',
        10_000,
        '10s',
      ),
    )
    .addOption(
      durationOption('--retry-period <duration>', 'leader-election retry period', 2_000, '2s'),
    )
    .option('--demo', 'run against a built-in API server with realistic pods and churn')
    .option('--demo-pods <n>', 'pods in the demo', positiveInt, 300)
    .option('--demo-rate <n>', 'demo changes per second', positiveInt, 20)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
}

/** Parses argv (without node and script). `isTTY` picks the default output. */
export function parseArgs(argv: string[], isTTY: boolean): PrinterOptions {
  const program = buildProgram();
  program.parse(argv, { from: 'user' });
  const o = program.opts<{
    kubeconfig?: string;
    context?: string;
    namespace?: string;
    allNamespaces?: boolean;
    selector?: string;
    fieldSelector?: string;
    interval: number;
    workers: number;
    resync: number;
    output?: OutputMode;
    metricsPort?: number;
    leaderElect?: boolean;
    leaseName: string;
    leaseNamespace: string;
    identity?: string;
    leaseDuration: number;
    renewDeadline: number;
    retryPeriod: number;
    demo?: boolean;
    demoPods: number;
    demoRate: number;
  }>();
  if (o.allNamespaces && o.namespace)
    throw new InvalidArgumentError('--namespace and --all-namespaces exclude each other');
  if (o.leaderElect === true) checkLeaderTimings(o.leaseDuration, o.renewDeadline, o.retryPeriod);
  return {
    ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.context !== undefined ? { context: o.context } : {}),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    allNamespaces: o.allNamespaces === true || o.namespace === undefined,
    ...(o.selector !== undefined ? { selector: o.selector } : {}),
    ...(o.fieldSelector !== undefined ? { fieldSelector: o.fieldSelector } : {}),
    intervalMs: o.interval,
    workers: o.workers,
    resyncMs: o.resync,
    output: o.output ?? (isTTY ? 'table' : 'lines'),
    ...(o.metricsPort !== undefined ? { metricsPort: o.metricsPort } : {}),
    ...(o.leaderElect === true
      ? {
          leaderElection: {
            leaseName: o.leaseName,
            leaseNamespace: o.leaseNamespace,
            identity: o.identity ?? defaultIdentity(),
            leaseDurationMs: o.leaseDuration,
            renewDeadlineMs: o.renewDeadline,
            retryPeriodMs: o.retryPeriod,
          },
        }
      : {}),
    demo: o.demo === true,
    demoPods: o.demoPods,
    demoRate: o.demoRate,
  };
}

/**
 * client-go's rules for the three leader-election durations, checked here so that a bad
 * combination is a usage error (exit 2) naming the flags, not a stack trace from the elector.
 */
function checkLeaderTimings(leaseMs: number, renewMs: number, retryMs: number): void {
  if (leaseMs <= 0 || renewMs <= 0 || retryMs <= 0)
    throw new InvalidArgumentError(
      '--lease-duration, --renew-deadline and --retry-period must be > 0',
    );
  if (leaseMs % 1000 !== 0)
    throw new InvalidArgumentError(
      '--lease-duration must be whole seconds (it is stored in seconds)',
    );
  if (renewMs >= leaseMs)
    throw new InvalidArgumentError('--renew-deadline must be shorter than --lease-duration');
  if (renewMs <= 1.2 * retryMs)
    throw new InvalidArgumentError('--renew-deadline must be longer than 1.2 × --retry-period');
}
