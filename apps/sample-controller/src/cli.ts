// Command line of the sample controller (commander).
import { Command, InvalidArgumentError, Option } from 'commander';

/** Parsed command line. */
export interface CliOptions {
  demo: boolean;
  kubeconfig?: string;
  namespace?: string;
  workers: number;
  metricsPort?: number;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** How long SIGTERM waits for reconciles in flight, ms (the controller's shutdownTimeoutMs). */
  shutdownTimeoutMs: number;
  /** The informers' onPermanentError: 'stop' fails the controller (exit 1) on a 401/403/404…. */
  onPermanentError: 'retry' | 'stop';
}

const positiveInt =
  (what: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${what}: expected an integer ≥ 1`);
    return n;
  };

/**
 * Parses `argv` (without node and script).
 *
 * @throws CommanderError on bad arguments and for --help (exit code 0).
 */
export function parseArgs(argv: readonly string[]): CliOptions {
  const program = new Command('sample-controller')
    .description(
      "client-go's sample-controller on @kubecache/controller: each Foo (samplecontroller.k8s.io/v1alpha1) owns a Deployment",
    )
    .exitOverride()
    .option('--demo', 'run against an in-process API server with a few Foos', false)
    .option(
      '--kubeconfig <path>',
      'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
    )
    .option('-n, --namespace <ns>', 'watch only this namespace (default: all)')
    .option('--workers <n>', 'concurrent reconciles', positiveInt('--workers'), 2)
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics on 127.0.0.1:<port>/metrics',
      positiveInt('--metrics-port'),
    )
    .option('--leader-elect', 'run workers only while holding a Lease', false)
    .option('--lease-namespace <ns>', 'namespace of the leader-election Lease', 'default')
    .option('--lease-name <name>', 'name of the leader-election Lease', 'sample-controller')
    .option(
      '--shutdown-timeout-ms <ms>',
      'how long SIGTERM waits for reconciles in flight before leaving them (exit code 3)',
      positiveInt('--shutdown-timeout-ms'),
      30_000,
    )
    .addOption(
      new Option(
        '--on-permanent-error <what>',
        'an API error retrying cannot fix (401, 403, 404…): retry it (client-go), or stop the informer — the controller then fails and exits 1',
      )
        .choices(['retry', 'stop'])
        .default('retry'),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    );
  program.parse([...argv], { from: 'user' });
  const o = program.opts<CliOptions>();
  return {
    demo: o.demo,
    workers: o.workers,
    leaderElect: o.leaderElect,
    leaseNamespace: o.leaseNamespace,
    leaseName: o.leaseName,
    logLevel: o.logLevel,
    shutdownTimeoutMs: o.shutdownTimeoutMs,
    onPermanentError: o.onPermanentError,
    ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    ...(o.metricsPort !== undefined ? { metricsPort: o.metricsPort } : {}),
  };
}
