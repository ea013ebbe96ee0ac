#!/usr/bin/env node
// `npm run test:conformance`: runs the conformance scenarios against the cluster named by
// KUBECONFIG. Without KUBECONFIG it explains how to point it at a cluster and exits 0.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const kubeconfig = process.env.KUBECONFIG;
if (!kubeconfig || !kubeconfig.split(':').some((p) => p && existsSync(p))) {
  console.log(
    'conformance: no KUBECONFIG set (or the file does not exist) — nothing to run against a cluster.\n' +
      'Point it at kind, k3d or any cluster, e.g.:\n' +
      '  kind create cluster --name kubecache && KUBECONFIG=$(mktemp) kind get kubeconfig --name kubecache > $KUBECONFIG\n' +
      '  KUBECONFIG=... npm run test:conformance\n' +
      'The in-process half of the suite runs with `npm test`.',
  );
  process.exit(0);
}
const here = dirname(fileURLToPath(import.meta.url));
const vitest = join(here, '..', '..', 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.cluster.config.ts'], {
  cwd: here,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
