#!/usr/bin/env node
// Post-build step for declaration files: in each given `.d.cts`, imports from ESM-only packages
// (@kubernetes/client-node 2) become `import type … with { 'resolution-mode': 'import' }`.
// Without it a CommonJS consumer compiled with `module: node16` gets TS1479 ("the referenced file
// is an ECMAScript module and cannot be imported with 'require'") from our .d.cts, although only
// types are imported. tsup's declaration bundler drops import attributes, so this runs after it.
// Usage: node tools/fix-cjs-dts.mjs dist/index.d.cts [...]
import { readFileSync, writeFileSync } from 'node:fs';

const esmOnly = ['@kubernetes/client-node'];
const specifiers = esmOnly.map((s) => s.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')).join('|');
// `import { A, B } from 'pkg';` or `import * as ns from 'pkg';` (type-only or not), one line.
const importLine = new RegExp(
  `^import (?:type )?((?:\\{[^}]*\\})|(?:\\* as \\w+)) from (['"])(${specifiers})\\2;$`,
  'gm',
);

/** Rewrites the imports of ESM-only packages in one declaration file's text. */
export function fixCjsDts(text) {
  return text.replace(
    importLine,
    (_m, what, q, spec) =>
      `import type ${what} from ${q}${spec}${q} with { ${q}resolution-mode${q}: ${q}import${q} };`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) {
    if (!file.endsWith('.d.cts')) throw new Error(`fix-cjs-dts: not a .d.cts file: ${file}`);
    const before = readFileSync(file, 'utf8');
    const after = fixCjsDts(before);
    if (after !== before) writeFileSync(file, after);
  }
}
