// npm run test:tools
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkChangelogs,
  checkVersioned,
  expectedReleases,
  parseChangeset,
  readChangesets,
  readWorkspace,
} from './plan.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A small copy of the repository's shape: store ← deltafifo ← informer, store ← testing, a private app. */
function workspace() {
  const pkg = (name, version, deps = {}, extra = {}) => ({
    name,
    version,
    private: false,
    dir: `packages/${name.split('/')[1]}`,
    dependencies: deps,
    devDependencies: {},
    peerDependencies: {},
    optionalDependencies: {},
    ...extra,
  });
  return [
    pkg('@kubecache/store', '0.1.0'),
    pkg('@kubecache/deltafifo', '0.1.0', { '@kubecache/store': '^0.1.0' }),
    pkg('@kubecache/informer', '0.1.0', {
      '@kubecache/store': '^0.1.0',
      '@kubecache/deltafifo': '^0.1.0',
    }),
    pkg('@kubecache/testing', '0.1.0', { '@kubecache/store': '^0.1.0' }),
    pkg('@kubecache/workqueue', '0.1.0'),
    pkg(
      '@kubecache/pod-printer',
      '0.1.0',
      { '@kubecache/informer': '^0.1.0' },
      { private: true, dir: 'apps/pod-printer' },
    ),
  ];
}

test('front matter: quoted and bare names, the none bump, and the summary', () => {
  const cs = parseChangeset(
    'x',
    '---\n\'@kubecache/a\': minor\n"@kubecache/b": patch\nc: none\n---\n\nHello.\nMore.\n',
  );
  assert.deepEqual(cs.releases, [
    { name: '@kubecache/a', type: 'minor' },
    { name: '@kubecache/b', type: 'patch' },
  ]);
  assert.equal(cs.summary, 'Hello.\nMore.');
});

test('a pending multi-package changeset plus the sample store bump: each named package gets its highest bump, dependents outside their range get a patch', () => {
  const pending = parseChangeset(
    'faster',
    "---\n'@kubecache/deltafifo': minor\n'@kubecache/store': patch\n---\n\nFaster.\n",
  );
  const sample = parseChangeset('rehearsal', "---\n'@kubecache/store': minor\n---\n\nSample.\n");
  const plan = expectedReleases(workspace(), [pending, sample]);
  assert.deepEqual(
    Object.fromEntries([...plan].map(([n, r]) => [n, `${r.type} ${r.newVersion}`])),
    {
      '@kubecache/store': 'minor 0.2.0', // minor beats patch
      '@kubecache/deltafifo': 'minor 0.2.0', // its own minor beats the dependent patch
      '@kubecache/informer': 'patch 0.1.1', // ^0.1.0 of store and deltafifo broken
      '@kubecache/testing': 'patch 0.1.1',
    },
  );
  assert.equal(plan.has('@kubecache/workqueue'), false);
  assert.equal(plan.has('@kubecache/pod-printer'), false);
});

test('a patch bump inside every caret range releases nobody else', () => {
  const plan = expectedReleases(workspace(), [
    parseChangeset('p', "---\n'@kubecache/store': patch\n---\n\nFix.\n"),
  ]);
  assert.deepEqual([...plan.keys()], ['@kubecache/store']);
});

test('the checks flag a dependent left at its old range, a versioned private app and an unplanned release', () => {
  const before = workspace();
  const plan = expectedReleases(before, [
    parseChangeset('s', "---\n'@kubecache/store': minor\n---\n\nS.\n"),
  ]);
  const after = structuredClone(before);
  const by = (n) => after.find((p) => p.name === n);
  by('@kubecache/store').version = '0.2.0';
  by('@kubecache/deltafifo').version = '0.1.1';
  by('@kubecache/deltafifo').dependencies['@kubecache/store'] = '^0.2.0';
  by('@kubecache/informer').version = '0.1.1';
  by('@kubecache/informer').dependencies['@kubecache/store'] = '^0.2.0';
  by('@kubecache/informer').dependencies['@kubecache/deltafifo'] = '^0.1.1';
  by('@kubecache/pod-printer').dependencies['@kubecache/informer'] = '^0.1.1';
  by('@kubecache/testing').version = '0.1.1'; // but its range is left at ^0.1.0
  by('@kubecache/workqueue').version = '0.1.1'; // not planned
  by('@kubecache/pod-printer').version = '0.1.1'; // private
  const failed = checkVersioned(before, after, plan)
    .filter((c) => !c.ok)
    .map((c) => c.what);
  assert.deepEqual(failed, [
    '@kubecache/testing dependencies @kubecache/store: ^0.1.0 → ^0.1.0 (expected ^0.2.0)',
    '@kubecache/workqueue not released (0.1.0 → 0.1.1)',
    'private @kubecache/pod-printer not versioned (0.1.0 → 0.1.1)',
  ]);
});

test('the model agrees with a real `changeset version` on a copy of this repository’s changeset config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rehearsal-plan-'));
  try {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'ws', private: true, workspaces: ['packages/*', 'apps/*'] }),
    );
    mkdirSync(join(dir, '.changeset'));
    cpSync(join(root, '.changeset/config.json'), join(dir, '.changeset/config.json'));
    for (const p of workspace()) {
      mkdirSync(join(dir, p.dir), { recursive: true });
      const json = { name: p.name, version: p.version, dependencies: p.dependencies };
      if (p.private) json.private = true;
      writeFileSync(join(dir, p.dir, 'package.json'), `${JSON.stringify(json, null, 2)}\n`);
    }
    writeFileSync(
      join(dir, '.changeset/faster.md'),
      "---\n'@kubecache/deltafifo': minor\n'@kubecache/store': patch\n---\n\nFaster per-event path.\n",
    );
    writeFileSync(
      join(dir, '.changeset/sample.md'),
      "---\n'@kubecache/workqueue': minor\n---\n\nSample.\n",
    );
    const before = readWorkspace(dir);
    const changesets = readChangesets(dir);
    const plan = expectedReleases(before, changesets);
    const r = spawnSync(join(root, 'node_modules/.bin/changeset'), ['version'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const checks = [
      ...checkVersioned(before, readWorkspace(dir), plan),
      ...checkChangelogs(dir, before, changesets, plan),
    ];
    assert.deepEqual(
      checks.filter((c) => !c.ok),
      [],
    );
    assert.ok(checks.length >= 10);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
