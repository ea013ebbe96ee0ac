// The package as a user installs it from its tarball: prom-client is a peer (one copy shared with
// the Registry the user passes), the README's install line names every package its example
// imports, and its links resolve outside the repository.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const readme = readFileSync(new URL('README.md', root), 'utf8');

describe('@kubecache/prometheus package', () => {
  it('takes prom-client as a peer dependency (and a dev dependency for its tests), not its own copy', () => {
    expect(manifest.dependencies?.['prom-client']).toBeUndefined();
    expect(manifest.peerDependencies?.['prom-client']).toMatch(/^\^15\./);
    expect(manifest.devDependencies?.['prom-client']).toBeDefined();
  });

  it("installs, in the README's npm i line, every package the README's examples import", () => {
    const install = /^npm i (.+)$/m.exec(readme)?.[1]?.split(/\s+/) ?? [];
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const imported = new Set<string>();
    for (const block of blocks) {
      for (const m of block.matchAll(/from '([^']+)'/g)) {
        const spec = m[1] ?? '';
        if (spec.startsWith('node:')) continue;
        imported.add(
          spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!,
        );
      }
    }
    expect(imported.size).toBeGreaterThan(0);
    expect([...imported].filter((p) => !install.includes(p))).toEqual([]);
  });

  it('links with absolute URLs only (relative ones break in the npm tarball)', () => {
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1] ?? '');
    expect(links.filter((l) => !/^(https?:|#)/.test(l))).toEqual([]);
  });
});
