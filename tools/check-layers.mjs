// Checks that every workspace's package.json `dependencies` only name @kubecache packages that
// tools/layers.json allows for it, and that every allowed layer it imports is declared.
// ESLint (eslint.config.js) checks the import statements themselves.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const layers = JSON.parse(readFileSync(join(root, 'tools/layers.json'), 'utf8'));
let failures = 0;
for (const dir of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, dir))) {
    const pkgPath = join(root, dir, name, 'package.json');
    if (!existsSync(pkgPath)) continue;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
    const allowed = layers[name];
    if (!allowed) {
      console.error(`${dir}/${name}: not listed in tools/layers.json`);
      failures++;
      continue;
    }
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
      if (!dep.startsWith('@kubecache/')) continue;
      const layer = dep.slice('@kubecache/'.length);
      if (!allowed.includes(layer)) {
        console.error(
          `${dir}/${name}: depends on ${dep}, which is not below it (allowed: ${allowed.join(', ') || 'none'})`,
        );
        failures++;
      }
    }
    if (
      pkg.peerDependencies &&
      Object.keys(pkg.peerDependencies).some((d) => d.startsWith('@kubecache/'))
    ) {
      console.error(`${dir}/${name}: internal packages must be dependencies, not peerDependencies`);
      failures++;
    }
  }
}
if (failures > 0) process.exit(1);
console.log('layers: ok');
