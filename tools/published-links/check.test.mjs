// npm run test:tools — published files name no path outside their tarball.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPublishedLinks, findProblems } from './check.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('no published README, example or declaration names a path outside its tarball', () => {
  assert.deepEqual(checkPublishedLinks(root), []);
});

test('finds the kinds of reference that are not in a tarball, and accepts GitHub links', () => {
  const pkg = join(root, 'packages', 'store');
  const readme = join(pkg, 'README.md');
  const shipped = [readme, join(pkg, 'LICENSE')];
  const tools = ['bench', 'pack-smoke'];
  const found = (text) =>
    findProblems(text, readme, pkg, shipped, tools, ['sample-controller']).map((p) => p.problem);
  assert.deepEqual(found('// The toy (shared/seeds/000)'), ['names shared/seeds']);
  assert.deepEqual(found('see [results](../../tools/bench/RESULTS.md)'), [
    'links ../../tools/bench/RESULTS.md, which is not in the package',
  ]);
  assert.deepEqual(found('the contract (`src/store.ts`)'), [
    'names `src/store.ts` (not in the tarball) without a link',
  ]);
  assert.deepEqual(found('measured by `tools/bench` B4'), [
    'names `tools/bench` (not in the tarball) without a link',
  ]);
  assert.deepEqual(found('see `apps/sample-controller`'), [
    'names `apps/sample-controller` (not in the tarball) without a link',
  ]);
  assert.deepEqual(
    found(
      "[`src/store.ts`](https://github.com/kubecache/kubecache/blob/main/packages/store/src/store.ts), [LICENSE](LICENSE), client-go's `tools/cache`, `apps/v1` Deployments",
    ),
    [],
  );
});
