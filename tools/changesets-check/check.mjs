// Finds pending changesets that `changeset version` would leave pending: one that names only
// packages it does not version (private ones, with `privatePackages.version: false` in
// .changeset/config.json, or ignored ones), or names a package that is not in the workspace. The
// release rehearsal only notices the first after its whole run ("changeset version consumed every
// pending changeset"); this check reads the files, in well under a second.
//
// A changeset that names a published package only with a `none` bump is consumed: it passes. One
// whose front matter is empty (`---` then `---`) is consumed too, but the rehearsal's parser
// (tools/release-rehearsal/plan.mjs) cannot read it, so it is reported as that parser says.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseChangeset, readWorkspace } from '../release-rehearsal/plan.mjs';

/**
 * The package names a changeset's front matter lists, `none` bumps included (parseChangeset
 * drops those, but they are names the changeset must get right too).
 * @param {string} id @param {string} text @returns {string[]}
 */
export function namedPackages(id, text) {
  return parseChangeset(id, text.replace(/:\s*none\s*$/gm, ': patch')).releases.map((r) => r.name);
}

/**
 * Problems of one changeset `file` (e.g. `.changeset/x.md`) that names `names`, in a workspace of
 * `packages` (`{ name, private }`) under a changesets `config` (.changeset/config.json's object):
 * one line each, naming the file and the package.
 * @param {string} file @param {string[]} names
 * @param {{ name: string, private: boolean }[]} packages @param {any} config @returns {string[]}
 */
export function changesetProblems(file, names, packages, config) {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const privateUnversioned = config?.privatePackages?.version === false;
  const ignored = new Set(config?.ignore ?? []);
  const problems = [];
  for (const name of names) {
    if (byName.has(name)) continue;
    const like = [...byName.keys()].find((n) => n.endsWith(`/${name}`));
    problems.push(
      `${file}: names ${name}, which is not a workspace package${like ? ` (did you mean ${like}?)` : ''}`,
    );
  }
  const versioned = (name) =>
    !ignored.has(name) && !(privateUnversioned && byName.get(name)?.private === true);
  if (names.length > 0 && problems.length === 0 && !names.some(versioned)) {
    const why = names.map((n) =>
      ignored.has(n) ? `${n} (in "ignore")` : `${n} (private; privatePackages.version is false)`,
    );
    problems.push(
      `${file}: names only ${why.join(', ')}, which \`changeset version\` does not version, so it never consumes this changeset and the release rehearsal fails; name the published package(s) the change is for, or delete it`,
    );
  }
  return problems;
}

/** Every problem of every pending changeset in `<root>/.changeset`, one line each. */
export function checkChangesets(root) {
  const dir = join(root, '.changeset');
  const configFile = join(dir, 'config.json');
  const config = existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : {};
  const packages = readWorkspace(root);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .flatMap((f) => {
      const file = `.changeset/${f}`;
      let names;
      try {
        names = namedPackages(f.slice(0, -3), readFileSync(join(dir, f), 'utf8'));
      } catch (err) {
        return [err instanceof Error ? err.message : `${file}: ${String(err)}`]; // names the file
      }
      return changesetProblems(file, names, packages, config);
    });
}

// `node tools/changesets-check/check.mjs`: print the problems, exit 1 if any.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problems = checkChangesets(join(import.meta.dirname, '..', '..'));
  for (const p of problems) console.error(p);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
