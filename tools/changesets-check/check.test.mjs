// npm run test:tools — every pending changeset is one `changeset version` consumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWorkspace } from '../release-rehearsal/plan.mjs';
import { changesetProblems, checkChangesets, namedPackages } from './check.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const config = { privatePackages: { version: false, tag: false }, ignore: [] };
const packages = readWorkspace(root);
const problems = (text) =>
  changesetProblems('.changeset/x.md', namedPackages('x', text), packages, config);

test("this repository's pending changesets are all consumed by `changeset version`", () => {
  assert.deepEqual(checkChangesets(root), []);
});

test('a changeset naming only a private app is flagged, with the file and the package', () => {
  assert.deepEqual(problems("---\n'@kubecache/sample-controller': minor\n---\n\nSharding.\n"), [
    '.changeset/x.md: names only @kubecache/sample-controller (private; privatePackages.version is false), which `changeset version` does not version, so it never consumes this changeset and the release rehearsal fails; name the published package(s) the change is for, or delete it',
  ]);
  assert.equal(
    problems(
      "---\n'@kubecache/pod-printer': patch\n'@kubecache/sample-controller': patch\n---\n\nx\n",
    ).length,
    1,
  );
});

test('a package that is not in the workspace is flagged by name', () => {
  assert.deepEqual(problems("---\n'pod-printer': patch\n---\n\nx\n"), [
    '.changeset/x.md: names pod-printer, which is not a workspace package (did you mean @kubecache/pod-printer?)',
  ]);
  assert.deepEqual(problems("---\n'@kubecache/nope': none\n---\n\nx\n"), [
    '.changeset/x.md: names @kubecache/nope, which is not a workspace package',
  ]);
});

test('what `changeset version` consumes passes: a published package with a private one, a none bump', () => {
  assert.deepEqual(
    problems("---\n'@kubecache/core': minor\n'@kubecache/sample-controller': minor\n---\n\nx\n"),
    [],
  );
  assert.deepEqual(problems('---\n"@kubecache/core": none\n---\n\nx\n'), []);
  // With privatePackages.version true (changesets' default) private packages are versioned.
  const versioned = { privatePackages: { version: true } };
  assert.deepEqual(
    changesetProblems('.changeset/x.md', ['@kubecache/pod-printer'], packages, versioned),
    [],
  );
});

test('checkChangesets reads a .changeset dir: a fixture naming only sample-controller fails', () => {
  // This workspace (its package.json, packages linked) with a .changeset dir of fixtures.
  const dir = mkdtempSync(join(tmpdir(), 'changesets-check-'));
  try {
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    for (const d of ['packages', 'apps', 'tests']) symlinkSync(join(root, d), join(dir, d));
    mkdirSync(join(dir, '.changeset'));
    cpSync(join(root, '.changeset/config.json'), join(dir, '.changeset/config.json'));
    const fixtures = {
      'README.md': '# Changesets\n',
      'ok.md': "---\n'@kubecache/store': patch\n---\n\nx\n",
      'app-only.md': "---\n'@kubecache/sample-controller': minor\n---\n\nx\n",
      'broken.md': 'no front matter\n',
    };
    for (const [f, text] of Object.entries(fixtures))
      writeFileSync(join(dir, '.changeset', f), text);
    assert.deepEqual(
      checkChangesets(dir).map((l) => l.replace(/ \(.*$/, '')),
      [
        '.changeset/app-only.md: names only @kubecache/sample-controller',
        '.changeset/broken.md has no front matter',
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
