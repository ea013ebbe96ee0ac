// What `kubecache-test-apiserver` checks before it loads @kubernetes/client-node, beyond the Node
// version rules of @kubecache/core/runtime-check: which client-node is installed (2.x needs
// Node ≥ 22.19, 1.4 runs on Node 20), read from its package.json with Node built-ins only, so it
// runs on any Node.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

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
