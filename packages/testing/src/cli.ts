// The command-line front of the in-process API server (`kubecache-test-apiserver`): starts a
// server in its own process, seeds realistic pods, prints where it listens as one JSON line, and
// takes control commands as JSON lines on stdin so that benchmarks and demos in another process
// can drive it. No client-go counterpart (client-go's fake source lives in-process only).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { hasBrand } from '@kubecache/core';
import { startChurn, type ChurnStats } from './churn.js';
import { makePod } from './fixtures.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';

const usageErrorBrand = Symbol.for('@kubecache/testing/CliUsageError');

/** A bad command-line argument or control command. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
  readonly [usageErrorBrand] = true;
}

/** Type guard for {@link CliUsageError}. */
export function isCliUsageError(err: unknown): err is CliUsageError {
  return hasBrand(err, usageErrorBrand);
}

/** Parsed command-line options of `kubecache-test-apiserver`. */
export interface CliOptions {
  /** `--pods N`: realistic pods created before the server reports ready. Default 0. */
  pods: number;
  /** `--namespaces K`: the seeded pods are spread over `ns-0` … `ns-(K-1)`. Default 10. */
  namespaces: number;
  /** `--port P`: the port to listen on. Default 0 (a free port). */
  port: number;
  /** `--bookmark-interval-ms MS`: BOOKMARK interval on watches. Default 1000 ms. */
  bookmarkIntervalMs: number;
  /** `--history-size N`: events kept for watch resume. Default 10000. */
  historySize: number;
  /** `--tls`: serve HTTPS with the public test certificate. Default off. */
  tls: boolean;
  /** `--token T`: require this bearer token. Default: no auth. */
  token: string | undefined;
}

/** The usage text printed for `--help` and on bad arguments. */
export const cliUsage = `Usage: kubecache-test-apiserver [options]

Starts @kubecache/testing's API server on 127.0.0.1 and prints one JSON line:
  {"url": "...", "kubeconfigPath": "...", "resourceVersion": "...", "pods": N}

Options:
  --pods N                  seed N realistic pods (~8.3 KB each)          [0]
  --namespaces K            spread them over ns-0 … ns-(K-1)              [10]
  --port P                  listen on port P                              [0: free]
  --bookmark-interval-ms MS BOOKMARK interval on watches                  [1000]
  --history-size N          events kept for watch resume                  [10000]
  --tls                     serve HTTPS (public test certificate)
  --token T                 require "Authorization: Bearer T"
  --help                    print this text

Control commands, one JSON object per line on stdin; one JSON reply per line on stdout
({"id", "ok": true, "result"} or {"id", "ok": false, "error"}):
  {"op":"stats"}                          resourceVersion, pods, open watches, request counts
  {"op":"seed","count":N}                 create N more pods
  {"op":"modifyAll","annotation":"k"}     one MODIFIED event per pod (annotation k = counter)
  {"op":"churn","rate":R}                 start churn at R operations/s (creates/updates/deletes)
  {"op":"stopChurn"}                      stop it; the result holds the operation counts
  {"op":"compact","rv":N}                 compact history up to N (default: now)
  {"op":"expireWatches"} | {"op":"resetWatches"} | {"op":"endWatches"}
  {"op":"close"}                          stop the server and exit (so does end of stdin)`;

const intArg = (flag: string, value: unknown, min: number): number => {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value !== ''
        ? Number(value)
        : NaN;
  if (!Number.isInteger(n) || n < min) {
    throw new CliUsageError(`${flag} needs an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
};

/**
 * Parses the command line (without `node` and the script path). Returns `'help'` for `--help`.
 * Throws {@link CliUsageError} on an unknown flag or a bad value.
 */
export function parseCliArgs(argv: readonly string[]): CliOptions | 'help' {
  const out: CliOptions = {
    pods: 0,
    namespaces: 10,
    port: 0,
    bookmarkIntervalMs: 1000,
    historySize: 10_000,
    tls: false,
    token: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--pods':
        out.pods = intArg(flag, value(), 0);
        break;
      case '--namespaces':
        out.namespaces = intArg(flag, value(), 1);
        break;
      case '--port':
        out.port = intArg(flag, value(), 0);
        break;
      case '--bookmark-interval-ms':
        out.bookmarkIntervalMs = intArg(flag, value(), 1);
        break;
      case '--history-size':
        out.historySize = intArg(flag, value(), 1);
        break;
      case '--tls':
        out.tls = true;
        break;
      case '--token': {
        const t = value();
        if (t === undefined || t === '') throw new CliUsageError('--token needs a value');
        out.token = t;
        break;
      }
      default:
        throw new CliUsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return out;
}

/** The streams a CLI run talks to (process stdio in the binary, PassThroughs in tests). */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** A running CLI: the server, and a promise that settles when it has shut down. */
export interface CliRun {
  readonly server: ApiServer;
  readonly kubeconfigPath: string;
  /** Resolves once the server is closed (after `{"op":"close"}`, end of stdin, or `stop()`). */
  readonly done: Promise<void>;
  /** Stops churn and the server and removes the kubeconfig file. */
  stop(): Promise<void>;
}

interface Command {
  id?: unknown;
  op?: unknown;
  [k: string]: unknown;
}

const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Starts the server described by `options`, seeds pods, writes the kubeconfig to a temporary
 * file, prints the ready line on `io.stdout` and serves control commands from `io.stdin`.
 */
export async function runCli(options: CliOptions, io: CliIo): Promise<CliRun> {
  const serverOptions: ApiServerOptions = {
    port: options.port,
    bookmarkIntervalMs: options.bookmarkIntervalMs,
    historySize: options.historySize,
    tls: options.tls,
    ...(options.token !== undefined ? { token: options.token } : {}),
  };
  const server = await startApiServer(serverOptions);
  const dir = await mkdtemp(join(tmpdir(), 'kubecache-test-apiserver-'));
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  await writeFile(kubeconfigPath, server.kubeConfigYaml(), { mode: 0o600 });

  let seeded = 0;
  const seed = async (count: number): Promise<number> => {
    for (let k = 0; k < count; k++, seeded++) {
      server.create(
        'pods',
        makePod({
          namespace: `ns-${seeded % options.namespaces}`,
          name: `pod-${seeded}`,
          index: seeded,
        }),
      );
      if (k % 1000 === 999) await yieldNow();
    }
    return count;
  };
  await seed(options.pods);

  let churn: { controller: AbortController; stats: Promise<ChurnStats> } | undefined;
  let modifyCounter = 0;
  let stopped: Promise<void> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });

  const stopChurn = async (): Promise<ChurnStats | undefined> => {
    const c = churn;
    if (!c) return undefined;
    churn = undefined;
    c.controller.abort();
    return c.stats;
  };

  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      lines.close();
      await stopChurn();
      await server.close();
      await rm(dir, { recursive: true, force: true });
      resolveDone();
    })());

  const stats = (): Record<string, unknown> => ({
    resourceVersion: server.resourceVersion(),
    pods: server.list('pods').items.length,
    openWatches: server.openWatches(),
    requests: {
      list: server.requests.count({ verb: 'list' }),
      watch: server.requests.count({ verb: 'watch' }),
      get: server.requests.count({ verb: 'get' }),
    },
    churning: churn !== undefined,
  });

  const execute = async (cmd: Command): Promise<unknown> => {
    switch (cmd.op) {
      case 'stats':
        return stats();
      case 'seed':
        return { created: await seed(intArg('count', cmd.count, 0)) };
      case 'modifyAll': {
        const annotation =
          typeof cmd.annotation === 'string' ? cmd.annotation : 'kubecache.dev/modified';
        const pods = server.list('pods').items;
        let events = 0;
        for (const p of pods) {
          modifyCounter++;
          server.patch('pods', p.metadata?.namespace, p.metadata?.name ?? '', {
            metadata: { annotations: { [annotation]: String(modifyCounter) } },
          });
          if (++events % 1000 === 0) await yieldNow();
        }
        return { events, resourceVersion: server.resourceVersion() };
      }
      case 'churn': {
        if (churn) throw new CliUsageError('churn is already running; send stopChurn first');
        const rate = Number(cmd.rate);
        if (!(rate > 0)) throw new CliUsageError('churn needs a positive "rate" (operations/s)');
        const controller = new AbortController();
        const running = startChurn(server, {
          ratePerSecond: rate,
          signal: controller.signal,
          namespaces: Array.from({ length: options.namespaces }, (_, k) => `ns-${k}`),
        });
        // A failure surfaces in the stopChurn reply; until then it must not be unhandled.
        running.catch(() => undefined);
        churn = { controller, stats: running };
        return { rate };
      }
      case 'stopChurn':
        return (await stopChurn()) ?? { creates: 0, updates: 0, deletes: 0 };
      case 'compact': {
        const rv = cmd.rv === undefined ? undefined : intArg('rv', cmd.rv, 0);
        server.compact(rv);
        return { resourceVersion: server.resourceVersion() };
      }
      case 'expireWatches':
      case 'resetWatches':
      case 'endWatches': {
        const open = server.openWatches();
        server.faults[cmd.op]();
        return { watches: open };
      }
      case 'close':
        return { closing: true };
      default:
        throw new CliUsageError(`unknown op ${JSON.stringify(cmd.op)}`);
    }
  };

  const reply = (body: Record<string, unknown>): void => {
    io.stdout.write(`${JSON.stringify(body)}\n`);
  };

  // Commands run one after another, in arrival order.
  let chain = Promise.resolve();
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    chain = chain.then(async () => {
      let cmd: Command;
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new CliUsageError('a command is a JSON object with an "op"');
        }
        cmd = parsed as Command;
      } catch (err) {
        reply({ ok: false, error: `bad command line: ${String(err)}` });
        return;
      }
      const id = cmd.id;
      try {
        const result = await execute(cmd);
        reply({ ...(id !== undefined ? { id } : {}), ok: true, result });
        if (cmd.op === 'close') await stop();
      } catch (err) {
        reply({
          ...(id !== undefined ? { id } : {}),
          ok: false,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    });
  });
  lines.on('close', () => {
    void chain.then(stop);
  });

  reply({
    url: server.url,
    kubeconfigPath,
    resourceVersion: server.resourceVersion(),
    pods: seeded,
  });
  return { server, kubeconfigPath, done, stop };
}
