// The first module the `kubecache-test-apiserver` binary loads, before anything that imports
// @kubernetes/client-node: only Node built-ins, so it runs on any Node. client-node 2.x depends on
// undici 8, whose `engines` say Node >= 22.19 (it binds zlib's zstd decompressor at load time); on
// an older Node, importing it dies with `Cannot read properties of undefined (reading 'bind')`
// inside undici, `--help` included. client-node 1.4 (node-fetch) runs on Node 20.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The oldest Node that @kubernetes/client-node 2.x runs on (its undici 8 `engines`). */
export const minNodeForClientNode2 = '22.19';

/** The oldest Node kubecache supports at all (with client-node 1.4). */
export const minNode = '20.19';

/** True when Node version `found` (e.g. `20.20.2`) is at least `min` (e.g. `22.19`). */
export function nodeAtLeast(found: string, min: string): boolean {
  const [fMajor = 0, fMinor = 0] = found.replace(/^v/, '').split('.').map(Number);
  const [mMajor = 0, mMinor = 0] = min.split('.').map(Number);
  return fMajor !== mMajor ? fMajor > mMajor : fMinor >= mMinor;
}

/**
 * The version of the @kubernetes/client-node that `from` (a file URL) resolves, read from its
 * package.json without loading it; `undefined` when it cannot be found.
 */
export function installedClientNodeVersion(from: string): string | undefined {
  try {
    const path = createRequire(from).resolve('@kubernetes/client-node/package.json');
    const { version } = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The one line to print when this Node cannot run `kubecache-test-apiserver` with the installed
 * client-node (2.x needs Node ≥ {@link minNodeForClientNode2}; 1.4 needs Node ≥ {@link minNode}),
 * naming the versions found and how to run it; `undefined` when it can run (also when no
 * client-node is found: its import then fails with Node's own message).
 *
 * @param nodeVersion - `process.versions.node`, e.g. `20.20.2`.
 * @param clientNodeVersion - the installed client-node's version, e.g. `2.0.1`.
 * @param command - how the binary was started (`process.argv[1]` and the arguments).
 */
export function runtimeProblem(
  nodeVersion: string,
  clientNodeVersion: string | undefined,
  command: string,
): string | undefined {
  const program = 'kubecache-test-apiserver';
  if (!nodeAtLeast(nodeVersion, minNode))
    return `${program} needs Node ≥ ${minNode} (found ${nodeVersion}): run it with Node 22.19 or later, e.g. \`npx -p node@24 node ${command}\``;
  if (clientNodeVersion === undefined || Number(clientNodeVersion.split('.')[0]) < 2)
    return undefined;
  if (nodeAtLeast(nodeVersion, minNodeForClientNode2)) return undefined;
  return (
    `${program} needs Node ≥ ${minNodeForClientNode2} with @kubernetes/client-node ${clientNodeVersion} (found Node ${nodeVersion}): ` +
    `run it with Node 22.19 or later, e.g. \`npx -p node@24 node ${command}\`, or install @kubernetes/client-node@1.4 (runs on Node ≥ ${minNode})`
  );
}
