// The first module the pod-printer binary loads, before anything that imports
// @kubernetes/client-node: it has no imports, so it runs on any Node. client-node 2.x depends on
// undici 8, whose `engines` say Node >= 22.19 (it binds zlib's zstd decompressor at load time); on
// an older Node, importing client-node dies with `Cannot read properties of undefined (reading
// 'bind')` inside undici, before any of pod-printer's code runs, `--help` included.

/** The oldest Node that @kubernetes/client-node 2.x runs on (its undici 8 `engines`). */
export const minNodeForClientNode2 = '22.19';

/** True when Node version `found` (e.g. `20.20.2`) is at least `min` (e.g. `22.19`). */
export function nodeAtLeast(found: string, min: string): boolean {
  const [fMajor = 0, fMinor = 0] = found.replace(/^v/, '').split('.').map(Number);
  const [mMajor = 0, mMinor = 0] = min.split('.').map(Number);
  return fMajor !== mMajor ? fMajor > mMajor : fMinor >= mMinor;
}

/**
 * The one line to print when this Node cannot run pod-printer (it needs client-node 2.x, so Node
 * ≥ {@link minNodeForClientNode2}), naming the Node found and a command that runs it; `undefined`
 * when it can run.
 *
 * @param nodeVersion - `process.versions.node`, e.g. `20.20.2`.
 * @param command - how the binary was started (`process.argv[1]` and the arguments), for the
 *   command shown.
 */
export function runtimeProblem(nodeVersion: string, command: string): string | undefined {
  if (nodeAtLeast(nodeVersion, minNodeForClientNode2)) return undefined;
  return (
    `pod-printer needs Node ≥ ${minNodeForClientNode2} with @kubernetes/client-node 2.x (found ${nodeVersion}): ` +
    `run it with Node 22.19 or later, e.g. \`npx -p node@24 node ${command}\`, or \`npm run demo\` in the kubecache repository (its scripts use Node 24 from node_modules)`
  );
}
