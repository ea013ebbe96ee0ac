// The release plan the rehearsal expects, computed from whatever changesets are pending and the
// workspace's dependency graph — independently of @changesets/assemble-release-plan, so that a change
// of `.changeset/config.json` (fixed/linked groups, updateInternalDependencies) or of changesets'
// behaviour shows up as a failed check rather than as a new normal.
//
// The policy modelled (CONTRIBUTING.md "Releasing"): independent versions; each package named in a
// changeset gets the highest bump named for it; a dependent whose `dependencies` /
// `optionalDependencies` range no longer admits a released version is released as a patch (a
// `peerDependencies` range: as a major), repeated to a fixed point; private packages are never
// versioned, but their ranges are rewritten like those of released packages; a released package's
// internal ranges become `^<new version>` (updateInternalDependencies: "patch"); a package that is not
// released keeps its ranges, which must still admit the new versions.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const semver = createRequire(import.meta.url)('semver');

/** @typedef {'major' | 'minor' | 'patch'} Bump */
/**
 * @typedef {{ name: string, version: string, private: boolean, dir: string,
 *   dependencies: Record<string, string>, devDependencies: Record<string, string>,
 *   peerDependencies: Record<string, string>, optionalDependencies: Record<string, string> }} WorkspacePackage
 */
/** @typedef {{ id: string, releases: { name: string, type: Bump }[], summary: string }} Changeset */
/** @typedef {{ name: string, type: Bump, oldVersion: string, newVersion: string }} PlannedRelease */

const order = { patch: 0, minor: 1, major: 2 };
const maxBump = (a, b) => (a === undefined || order[b] > order[a] ? b : a);

/**
 * Parses one changeset file: YAML-ish front matter of `'name': bump` lines between `---` fences,
 * then the summary.
 * @param {string} id @param {string} text @returns {Changeset}
 */
export function parseChangeset(id, text) {
  const m = /^\s*---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`.changeset/${id}.md has no front matter`);
  const releases = [];
  for (const line of m[1].split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const r = /^\s*(['"]?)(.+?)\1\s*:\s*(major|minor|patch|none)\s*$/.exec(line);
    if (!r)
      throw new Error(`.changeset/${id}.md: cannot read front matter line ${JSON.stringify(line)}`);
    if (r[3] !== 'none') releases.push({ name: r[2], type: /** @type {Bump} */ (r[3]) });
  }
  return { id, releases, summary: m[2].trim() };
}

/**
 * Every pending changeset in `<repo>/.changeset` (README.md and config.json are not changesets).
 * @param {string} repo @returns {Changeset[]}
 */
export function readChangesets(repo) {
  const dir = join(repo, '.changeset');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .map((f) => parseChangeset(f.slice(0, -3), readFileSync(join(dir, f), 'utf8')));
}

/**
 * The workspace packages named by the root package.json's `workspaces` (`dir/*` globs and plain dirs).
 * @param {string} repo @returns {WorkspacePackage[]}
 */
export function readWorkspace(repo) {
  const globs = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).workspaces ?? [];
  const dirs = globs.flatMap((g) =>
    g.endsWith('/*')
      ? existsSync(join(repo, g.slice(0, -2)))
        ? readdirSync(join(repo, g.slice(0, -2))).map((d) => join(g.slice(0, -2), d))
        : []
      : [g],
  );
  return dirs
    .filter((d) => existsSync(join(repo, d, 'package.json')))
    .map((d) => {
      const p = JSON.parse(readFileSync(join(repo, d, 'package.json'), 'utf8'));
      return {
        name: p.name,
        version: p.version,
        private: p.private === true,
        dir: d,
        dependencies: p.dependencies ?? {},
        devDependencies: p.devDependencies ?? {},
        peerDependencies: p.peerDependencies ?? {},
        optionalDependencies: p.optionalDependencies ?? {},
      };
    })
    .filter((p) => typeof p.name === 'string');
}

/** @param {string} version @param {Bump} type */
export function bumpVersion(version, type) {
  const v = semver.inc(version, type);
  if (v === null) throw new Error(`cannot ${type}-bump ${version}`);
  return v;
}

/**
 * The releases the changesets ask for, with dependents pulled in where a range breaks.
 * @param {WorkspacePackage[]} packages @param {Changeset[]} changesets
 * @returns {Map<string, PlannedRelease>}
 */
export function expectedReleases(packages, changesets) {
  const byName = new Map(packages.map((p) => [p.name, p]));
  /** @type {Map<string, Bump>} */
  const bumps = new Map();
  for (const cs of changesets)
    for (const r of cs.releases) {
      const p = byName.get(r.name);
      if (!p) throw new Error(`changeset ${cs.id} names ${r.name}, which is not in the workspace`);
      if (p.private) continue; // privatePackages.version: false
      bumps.set(r.name, maxBump(bumps.get(r.name), r.type));
    }
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, type] of [...bumps]) {
      const next = bumpVersion(byName.get(name).version, type);
      for (const d of packages) {
        if (d.private) continue;
        for (const [field, dependentBump] of [
          ['dependencies', 'patch'],
          ['optionalDependencies', 'patch'],
          ['peerDependencies', 'major'],
        ]) {
          const range = d[field][name];
          if (range === undefined || semver.satisfies(next, range)) continue;
          const merged = maxBump(bumps.get(d.name), dependentBump);
          if (merged !== bumps.get(d.name)) {
            bumps.set(d.name, merged);
            changed = true;
          }
        }
      }
    }
  }
  return new Map(
    [...bumps].map(([name, type]) => {
      const oldVersion = byName.get(name).version;
      return [name, { name, type, oldVersion, newVersion: bumpVersion(oldVersion, type) }];
    }),
  );
}

/** `^0.1.0` with the new version → `^0.2.0` (keeps `^`/`~`/exact). */
function rewriteRange(range, version) {
  const m = /^([\^~]?)\d/.exec(range);
  return m ? `${m[1]}${version}` : range;
}

/**
 * Compares the workspace after `changeset version` with the plan; one entry per check.
 * @param {WorkspacePackage[]} before @param {WorkspacePackage[]} after
 * @param {Map<string, PlannedRelease>} plan
 * @returns {{ ok: boolean, what: string }[]}
 */
export function checkVersioned(before, after, plan) {
  const checks = [];
  const afterByName = new Map(after.map((p) => [p.name, p]));
  for (const b of before) {
    const a = afterByName.get(b.name);
    if (!a) {
      checks.push({ ok: false, what: `${b.name} disappeared` });
      continue;
    }
    const r = plan.get(b.name);
    if (b.private)
      checks.push({
        ok: a.version === b.version,
        what: `private ${b.name} not versioned (${b.version} → ${a.version})`,
      });
    else if (r)
      checks.push({
        ok: a.version === r.newVersion,
        what: `${b.name} ${r.type}: ${b.version} → ${a.version} (expected ${r.newVersion})`,
      });
    else
      checks.push({
        ok: a.version === b.version,
        what: `${b.name} not released (${b.version} → ${a.version})`,
      });
    for (const field of [
      'dependencies',
      'optionalDependencies',
      'peerDependencies',
      'devDependencies',
    ]) {
      for (const [dep, range] of Object.entries(b[field])) {
        const released = plan.get(dep);
        if (!released) continue;
        const got = a[field][dep];
        const rewritten = r !== undefined || b.private;
        const want = rewritten ? rewriteRange(range, released.newVersion) : range;
        checks.push({
          ok: got === want && semver.satisfies(released.newVersion, got ?? ''),
          what: `${b.name} ${field} ${dep}: ${range} → ${got} (expected ${want})`,
        });
      }
    }
  }
  return checks;
}

/**
 * Each released package's CHANGELOG.md must carry the first line of each of its changesets' summaries.
 * @param {string} repo @param {WorkspacePackage[]} packages @param {Changeset[]} changesets
 * @param {Map<string, PlannedRelease>} plan
 */
export function checkChangelogs(repo, packages, changesets, plan) {
  const checks = [];
  const byName = new Map(packages.map((p) => [p.name, p]));
  for (const r of plan.values()) {
    const file = join(repo, byName.get(r.name).dir, 'CHANGELOG.md');
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    checks.push({
      ok: text.includes(`## ${r.newVersion}`),
      what: `${r.name} CHANGELOG.md has ## ${r.newVersion}`,
    });
    for (const cs of changesets.filter((c) => c.releases.some((x) => x.name === r.name))) {
      const first = cs.summary.split('\n')[0] ?? '';
      checks.push({
        ok: text.includes(first),
        what: `${r.name} CHANGELOG.md has the entry of ${cs.id}`,
      });
    }
  }
  return checks;
}
