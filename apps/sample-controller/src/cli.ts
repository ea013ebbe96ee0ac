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
  /** The sharding ring's name. */
  ring: string;
  /** This replica's shard id (`--shard-id`): run as one shard of `ring`. */
  shardId?: string;
  /**
   * Shards run in this process (`--shards`), with ids `<shard-id>-0`, `-1`, …
   * (`shard-<i>` without `--shard-id`). Default 1; 3 with `--demo`.
   */
  shards: number;
  /** Lease duration, renew deadline and retry period of the shard and sharder Leases, ms. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/**
 * The shard ids this process runs: none (not sharded) unless `--shard-id` is given or
 * `--shards` is above 1.
 */
export function shardIdsOf(o: Pick<CliOptions, 'shardId' | 'shards'>): string[] {
  if (o.shardId === undefined && o.shards <= 1) return [];
  if (o.shards <= 1) return [o.shardId ?? 'shard-0'];
  return Array.from({ length: o.shards }, (_, i) => `${o.shardId ?? 'shard'}-${String(i)}`);
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
    .option(
      '--ring <name>',
      'sharding: the ring (a DNS-1123 label); every shard of one controller uses the same',
      'sample-controller',
    )
    .option(
      '--shard-id <id>',
      'sharding: run as this shard of the ring (a DNS-1123 name, unique: the pod name); caches and reconciles only the Foos labelled for it',
    )
    .option(
      '--shards <n>',
      'sharding: run n shards in this process (ids <shard-id>-0…; default 1, 3 with --demo unless --leader-elect)',
      positiveInt('--shards'),
    )
    .option(
      '--lease-duration-ms <ms>',
      'shard Lease and sharder election: lease duration (default 15000; whole seconds)',
      positiveInt('--lease-duration-ms'),
    )
    .option(
      '--renew-deadline-ms <ms>',
      'shard Lease and sharder election: renew deadline (default 10000)',
      positiveInt('--renew-deadline-ms'),
    )
    .option(
      '--retry-period-ms <ms>',
      'shard Lease and sharder election: retry period (default 2000)',
      positiveInt('--retry-period-ms'),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    );
  program.parse([...argv], { from: 'user' });
  const o = program.opts<Omit<CliOptions, 'shards'> & { shards?: number }>();
  // --demo runs three shards, unless leader election is asked for.
  const shards = o.shards ?? (o.demo && !o.leaderElect ? 3 : 1);
  if (o.leaderElect && (o.shardId !== undefined || shards > 1)) {
    program.error(
      'error: --leader-elect cannot be combined with sharding (--shard-id, --shards): every shard runs its workers',
      { exitCode: 2, code: 'sample-controller.leaderElectWithShards' },
    );
  }
  return {
    demo: o.demo,
    workers: o.workers,
    leaderElect: o.leaderElect,
    leaseNamespace: o.leaseNamespace,
    leaseName: o.leaseName,
    logLevel: o.logLevel,
    shutdownTimeoutMs: o.shutdownTimeoutMs,
    onPermanentError: o.onPermanentError,
    ring: o.ring,
    shards,
    ...(o.shardId !== undefined ? { shardId: o.shardId } : {}),
    ...(o.leaseDurationMs !== undefined ? { leaseDurationMs: o.leaseDurationMs } : {}),
    ...(o.renewDeadlineMs !== undefined ? { renewDeadlineMs: o.renewDeadlineMs } : {}),
    ...(o.retryPeriodMs !== undefined ? { retryPeriodMs: o.retryPeriodMs } : {}),
    ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    ...(o.metricsPort !== undefined ? { metricsPort: o.metricsPort } : {}),
  };
}
