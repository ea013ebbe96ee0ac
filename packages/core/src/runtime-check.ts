// The Node version check a kubecache binary runs first, before anything that imports
// @kubernetes/client-node (the `@kubecache/core/runtime-check` entry point). It imports nothing,
// so it loads on any Node. client-node 2.x depends on undici 8, whose `engines` say Node >= 22.19
// (undici binds zlib's zstd decompressor at load time): on an older Node, importing client-node
// dies with `Cannot read properties of undefined (reading 'bind')` inside undici, before any of
// the program's code runs, `--help` included. client-node 1.4 (node-fetch) runs on Node 20.

/** The oldest Node that @kubernetes/client-node 2.x runs on (its undici 8 `engines`), `major.minor`. */
export const minNodeForClientNode2 = '22.19';

/** The oldest Node kubecache supports at all (with @kubernetes/client-node 1.4), `major.minor`. */
export const minNode = '20.19';

/**
 * True when Node version `found` (e.g. `20.20.2` or `v24.9.0`) is at least `min` (`major.minor`,
 * e.g. `22.19`); patch versions are not compared.
 */
export function nodeAtLeast(found: string, min: string): boolean {
  const [fMajor = 0, fMinor = 0] = found.replace(/^v/, '').split('.').map(Number);
  const [mMajor = 0, mMinor = 0] = min.split('.').map(Number);
  return fMajor !== mMajor ? fMajor > mMajor : fMinor >= mMinor;
}

/** Options of {@link runtimeProblem}. */
export interface RuntimeCheckOptions {
  /** The program's name as its user knows it, e.g. `pod-printer`. */
  program: string;
  /** The Node running it: `process.versions.node`, e.g. `20.20.2`. */
  nodeVersion: string;
  /**
   * The @kubernetes/client-node the program will load, e.g. `2.0.1` (as read from its
   * package.json) or `2.x` (what the program requires); `undefined` when unknown, and then only
   * {@link minNode} is checked (a missing client-node fails its import with Node's own message).
   */
  clientNodeVersion: string | undefined;
  /** How the program was started (`process.argv[1]` and the arguments), for the command shown. */
  command: string;
  /**
   * Another way to run it, appended as `, or <otherwise>` when client-node 2.x is what needs the
   * newer Node, e.g. `` `npm run demo` in the kubecache repository ``.
   */
  otherwise?: string;
}

/**
 * The one line a program prints (to stderr, then exiting 2) when this Node cannot run it: client-node
 * 2.x needs Node ≥ {@link minNodeForClientNode2}; kubecache needs Node ≥ {@link minNode} in any
 * case. It names what is needed, the versions found and a command that runs the program.
 * `undefined` when it can run. Throws nothing.
 *
 * ```ts
 * import { runtimeProblem } from '@kubecache/core/runtime-check'; // before client-node loads
 * const problem = runtimeProblem({ program: 'my-controller', nodeVersion: process.versions.node,
 *   clientNodeVersion: '2.x', command: process.argv.slice(1).join(' ') });
 * if (problem) { process.stderr.write(`${problem}\n`); process.exitCode = 2; }
 * else await import('./main.js');
 * ```
 */
export function runtimeProblem(options: RuntimeCheckOptions): string | undefined {
  const { program, nodeVersion, clientNodeVersion, command, otherwise } = options;
  const run = `run it with Node 22.19 or later, e.g. \`npx -p node@24 node ${command}\``;
  const clientNode2 =
    clientNodeVersion !== undefined && Number(clientNodeVersion.split('.')[0]) >= 2;
  if (clientNode2 && !nodeAtLeast(nodeVersion, minNodeForClientNode2))
    return (
      `${program} needs Node ≥ ${minNodeForClientNode2} with @kubernetes/client-node ${clientNodeVersion} (found Node ${nodeVersion}): ` +
      run +
      (otherwise === undefined ? '' : `, or ${otherwise}`)
    );
  if (!nodeAtLeast(nodeVersion, minNode))
    return `${program} needs Node ≥ ${minNode} (found ${nodeVersion}): ${run}`;
  return undefined;
}

/**
 * Runs the check for the running process: when {@link runtimeProblem} finds a problem, writes its
 * line to stderr, sets `process.exitCode` to 2 and returns `false`; else returns `true`, and the
 * caller loads the program (with a dynamic `import()`, so that client-node loads after the check).
 * `nodeVersion` defaults to `process.versions.node`, `command` to `process.argv[1]` and the
 * arguments. Throws nothing.
 *
 * ```ts
 * if (checkRuntime({ program: 'my-controller', clientNodeVersion: '2.x' })) await import('./main.js');
 * ```
 */
export function checkRuntime(
  options: Omit<RuntimeCheckOptions, 'nodeVersion' | 'command'> &
    Partial<Pick<RuntimeCheckOptions, 'nodeVersion' | 'command'>>,
): boolean {
  const problem = runtimeProblem({
    ...options,
    nodeVersion: options.nodeVersion ?? process.versions.node,
    command:
      options.command ?? [process.argv[1] ?? options.program, ...process.argv.slice(2)].join(' '),
  });
  if (problem === undefined) return true;
  process.stderr.write(`${problem}\n`);
  process.exitCode = 2;
  return false;
}
