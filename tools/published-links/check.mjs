// Finds references in published files (each package's README, examples and declarations — what
// `files` in its package.json ships) to paths that are not in its tarball: relative links that
// leave the package, the seeds under shared/, and repository paths (`src/….ts`, `tools/…`,
// `apps/…`) named outside a link. Published text must link such files on GitHub instead.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** Every file a package ships that a reader sees: READMEs, examples, declarations. */
export function shippedTextFiles(pkgDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const out = [];
  const walk = (p) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p)) walk(join(p, f));
    } else if (/\.(md|mjs|cjs|js|d\.ts|d\.cts)$/.test(p) && !/\.map$/.test(p)) out.push(p);
  };
  for (const entry of pkg.files ?? []) {
    // Compiled JavaScript carries the comments of the sources too; declarations are what
    // editors show, so they are checked; the bundles themselves are not read by people.
    if (entry === 'dist') {
      const dist = join(pkgDir, 'dist');
      if (existsSync(dist))
        for (const f of readdirSync(dist)) if (/\.d\.c?ts$/.test(f)) out.push(join(dist, f));
    } else walk(join(pkgDir, entry));
  }
  return out;
}

/**
 * Problems in `text` (a file of the package at `pkgDir`, shipping `shipped`): each
 * `{ line, problem }`. `repoTools` and `repoApps` are the entries of the repository's tools/ and
 * apps/ directories (`apps/v1`, an API group, is not one of them).
 */
export function findProblems(text, file, pkgDir, shipped, repoTools, repoApps = []) {
  const problems = [];
  const lines = text.split('\n');
  const toolNames = repoTools.map((t) => t.replace(/\.[^.]+$/, '')).join('|');
  const toolRe = new RegExp(`\`tools/(${toolNames})\\b[^\`]*\``, 'g');
  lines.forEach((l, i) => {
    const line = i + 1;
    if (l.includes('shared/seeds')) problems.push({ line, problem: 'names shared/seeds' });
    for (const m of l.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const path = normalize(join(dirname(file), target.replace(/#.*$/, '')));
      const inside = !relative(pkgDir, path).startsWith('..');
      const isShipped = shipped.some((s) => s === path || s.startsWith(`${path}/`));
      if (!inside || (!isShipped && !existsSync(path)))
        problems.push({ line, problem: `links ${target}, which is not in the package` });
      else if (inside && !isShipped && !path.startsWith(join(pkgDir, 'dist')))
        problems.push({ line, problem: `links ${target}, which is not in the tarball` });
    }
    // A repository path in code quotes is fine inside a link's text (`[`src/x.ts`](https://…)`).
    const bare = l.replace(/\[[^\]]*\]\([^)]*\)/g, '');
    for (const m of bare.matchAll(/`(?:\.\.\/)*src\/[\w./-]+\.ts`/g))
      problems.push({ line, problem: `names ${m[0]} (not in the tarball) without a link` });
    for (const m of bare.matchAll(toolRe))
      problems.push({ line, problem: `names ${m[0]} (not in the tarball) without a link` });
    for (const m of bare.matchAll(/`apps\/([\w-]+)`/g))
      if (repoApps.includes(m[1]))
        problems.push({ line, problem: `names ${m[0]} (not in the tarball) without a link` });
  });
  return problems;
}

/** Every problem of every package under `root`/packages, as `file:line: problem` lines. */
export function checkPublishedLinks(root) {
  const repoTools = readdirSync(join(root, 'tools'));
  const repoApps = readdirSync(join(root, 'apps'));
  const out = [];
  for (const dir of readdirSync(join(root, 'packages'))) {
    const pkgDir = join(root, 'packages', dir);
    if (!existsSync(join(pkgDir, 'package.json'))) continue;
    const shipped = shippedTextFiles(pkgDir);
    for (const file of shipped) {
      const text = readFileSync(file, 'utf8');
      for (const p of findProblems(text, file, pkgDir, shipped, repoTools, repoApps))
        out.push(`${relative(root, file)}:${p.line}: ${p.problem}`);
    }
  }
  return out;
}
