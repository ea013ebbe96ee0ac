// Command-line parsing of pod-printer (commander).
import { Command, InvalidArgumentError, Option } from 'commander';

/** Output modes. */
export type OutputMode = 'table' | 'lines' | 'json';

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
  demo: boolean;
  demoPods: number;
  demoRate: number;
}

/** Parses a duration: `30s`, `500ms`, `2m`, `1h`, or a plain number of seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m)
    throw new InvalidArgumentError(
      `not a duration: ${JSON.stringify(text)} (use e.g. 30s, 500ms, 2m)`,
    );
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[unit]!;
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
    .option('-A, --all-namespaces', 'all namespaces (default unless --namespace)', false)
    .option('-l, --selector <selector>', 'label selector, e.g. app=web')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=node-1')
    .option(
      '--interval <duration>',
      'print the full list of pod keys this often',
      parseDuration,
      30_000,
    )
    .option('--workers <n>', 'worker count', positiveInt, 2)
    .option('--resync <duration>', 'informer resync period (0 = off)', parseDuration, 0)
    .addOption(
      new Option('-o, --output <mode>', 'table (default in a terminal), lines or json').choices([
        'table',
        'lines',
        'json',
      ]),
    )
    .option('--metrics-port <port>', 'serve Prometheus metrics on this port', port)
    .option('--demo', 'run against a built-in API server with realistic pods and churn', false)
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
    allNamespaces: boolean;
    selector?: string;
    fieldSelector?: string;
    interval: number;
    workers: number;
    resync: number;
    output?: OutputMode;
    metricsPort?: number;
    demo: boolean;
    demoPods: number;
    demoRate: number;
  }>();
  if (o.allNamespaces && o.namespace)
    throw new InvalidArgumentError('--namespace and --all-namespaces exclude each other');
  return {
    ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.context !== undefined ? { context: o.context } : {}),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    allNamespaces: o.allNamespaces || o.namespace === undefined,
    ...(o.selector !== undefined ? { selector: o.selector } : {}),
    ...(o.fieldSelector !== undefined ? { fieldSelector: o.fieldSelector } : {}),
    intervalMs: o.interval,
    workers: o.workers,
    resyncMs: o.resync,
    output: o.output ?? (isTTY ? 'table' : 'lines'),
    ...(o.metricsPort !== undefined ? { metricsPort: o.metricsPort } : {}),
    demo: o.demo,
    demoPods: o.demoPods,
    demoRate: o.demoRate,
  };
}
