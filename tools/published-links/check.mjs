// Finds references in published files (each package's README, examples and declarations — what
// `files` in its package.json ships; declarations through their sources) to paths that are not in its tarball: relative links that
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
    // dist's declarations (what editors show) carry the TSDoc of the sources: the sources are
    // read instead (every non-test file, a superset of what ships), so no build is needed.
    if (entry === 'dist') {
      const src = join(pkgDir, 'src');
      if (existsSync(src))
        for (const f of readdirSync(src))
          if (/\.ts$/.test(f) && !/\.test(-d|-helper)?\.ts$|\.test-d\.ts$/.test(f))
            out.push(join(src, f));
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
    // Markdown links, in Markdown only (code is full of `](` in regular expressions).
    for (const m of file.endsWith('.md') ? l.matchAll(/\]\(([^)\s]+)\)/g) : []) {
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
