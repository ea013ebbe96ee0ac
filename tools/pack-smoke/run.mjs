#!/usr/bin/env node
// Pack smoke test: proves that `npm i @kubecache/reflector` (plus @kubernetes/client-node) is all a user
// needs. Builds, `npm pack`s @kubecache/reflector and its internal dependency closure, installs the
// tarballs into a fresh temporary project, then — against the in-process API server — runs the seed's toy
// example as ESM and as CommonJS, and type-checks a TypeScript consumer with moduleResolution node16,
// nodenext and bundler. With client-node 2.x under the current Node (≥ 22), and with client-node 1.4
// under the machine's system Node 20 when one is present. @kubecache/informer and @kubecache/testing
// (with their closures) are installed too, and a consumer of both is type-checked as ESM and
// CommonJS under node16 with skipLibCheck off (TS1479 from a .d.cts importing ESM-only client-node)
// and under nodenext. Finally Jest (jest@JEST_VERSION) in a "type": "module" consumer: in ESM mode
// (--experimental-vm-modules) a test imports @kubecache/informer and @kubecache/testing, starts the
// server and syncs factory.pods(); in its default CommonJS mode the same .cjs test with require() must
// fail with "Must use import to load ES Module", as the informer README says.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  readdirSync,
  rmSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = dirname(fileURLToPath(import.meta.url));
const target = process.argv[2] ?? '@kubecache/reflector';
const keep = process.argv.includes('--keep');
const log = (msg) => console.log(`[pack-smoke] ${msg}`);
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
};

// 1. Workspace packages and the closure of `target` over internal `dependencies`.
const workspaces = new Map();
for (const dir of readdirSync(join(root, 'packages'))) {
  const pj = join(root, 'packages', dir, 'package.json');
  if (!existsSync(pj)) continue;
  const pkg = JSON.parse(readFileSync(pj, 'utf8'));
  workspaces.set(pkg.name, { dir: join(root, 'packages', dir), pkg });
}
const closure = [];
const visit = (name) => {
  if (closure.includes(name)) return;
  const ws = workspaces.get(name);
  if (!ws) throw new Error(`unknown workspace ${name}`);
  closure.push(name);
  for (const dep of Object.keys(ws.pkg.dependencies ?? {})) if (workspaces.has(dep)) visit(dep);
};
visit(target);
log(`closure of ${target}: ${closure.join(', ')}`);
// The module-format check (consumer/informer.ts) also needs these.
for (const extra of ['@kubecache/informer', '@kubecache/testing']) visit(extra);

// 2. Build them (Nx builds dependencies first) and pack.
if (!process.argv.includes('--no-build')) {
  run(
    join(root, 'node_modules/.bin/nx'),
    ['run-many', '-t', 'build', '-p', ...closure, 'testing', '--output-style=static'],
    {
      cwd: root,
      env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false' },
    },
  );
}
const work = mkdtempSync(join(tmpdir(), 'kubecache-pack-smoke-'));
const packs = join(work, 'packs');
mkdirSync(packs);
const tarballs = closure.map((name) => {
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', packs], {
    cwd: workspaces.get(name).dir,
    encoding: 'utf8',
  });
  return join(packs, out.trim().split('\n').pop());
});
log(`packed ${tarballs.length} tarballs into ${packs}`);

// 3. Start the in-process API server (from this repo's built @kubecache/testing) with a few pods.
const { startApiServer, makePod } = await import(join(root, 'packages/testing/dist/index.js'));
const server = await startApiServer({ token: 'smoke-token' });
for (let i = 0; i < 5; i++)
  server.create('pods', makePod({ namespace: 'default', name: `smoke-${i}`, index: i }));
const kubeconfigPath = join(work, 'kubeconfig.yaml');
writeFileSync(kubeconfigPath, server.kubeConfigYaml());

const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find(
  (p) => existsSync(p) && execFileSync(p, ['--version'], { encoding: 'utf8' }).startsWith('v20.'),
);
const variants = [{ name: 'client-node 2.x', clientNode: '2.0.1', node: process.execPath }];
if (systemNode)
  variants.push({
    name: 'client-node 1.4 on system Node 20',
    clientNode: '1.4.0',
    node: systemNode,
  });

/** Runs a command without blocking the event loop; resolves with its status and output. */
function runAsync(cmd, args, { cwd, env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const JEST_VERSION = '30.5.2';

/** Jest in a `"type": "module"` consumer, in ESM mode and in its default CommonJS mode. */
async function jestChecks() {
  const consumer = join(work, 'consumer-jest');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify(
      { name: 'consumer-jest', version: '1.0.0', private: true, type: 'module' },
      null,
      2,
    ),
  );
  log(`jest: installing jest@${JEST_VERSION}, the tarballs and @kubernetes/client-node@2.0.1`);
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      ...tarballs,
      '@kubernetes/client-node@2.0.1',
      `jest@${JEST_VERSION}`,
    ],
    { cwd: consumer },
  );
  for (const file of readdirSync(join(here, 'jest')))
    writeFileSync(join(consumer, file), readFileSync(join(here, 'jest', file)));
  const jest = join(consumer, 'node_modules/jest/bin/jest.js');
  const { NODE_OPTIONS: _ignored, ...baseEnv } = process.env;
  let failed = 0;
  // ESM mode, as the README says: NODE_OPTIONS=--experimental-vm-modules npx jest
  const esm = await runAsync(process.execPath, [jest, 'informer.test.js'], {
    cwd: consumer,
    env: { ...baseEnv, NODE_OPTIONS: '--experimental-vm-modules' },
    timeoutMs: 60_000,
  });
  const esmOk = esm.status === 0 && /Tests:\s+1 passed, 1 total/.test(esm.stderr);
  log(
    `jest: ESM mode (--experimental-vm-modules) syncs factory.pods() → ${esmOk ? 'ok' : 'FAILED'}`,
  );
  if (!esmOk) {
    failed++;
    console.log(esm.stdout, esm.stderr);
  }
  // Default CommonJS mode (no NODE_OPTIONS): a .cjs test that require()s both packages fails with
  // the message the informer README documents.
  const cjs = await runAsync(process.execPath, [jest, 'informer-cjs.test.cjs'], {
    cwd: consumer,
    env: baseEnv,
    timeoutMs: 60_000,
  });
  const cjsOk = cjs.status !== 0 && /Must use import to load ES Module/.test(cjs.stderr);
  log(
    `jest: CommonJS mode fails with "Must use import to load ES Module" → ${cjsOk ? 'ok' : 'FAILED (update the informer README)'}`,
  );
  if (!cjsOk) {
    failed++;
    console.log(cjs.stdout, cjs.stderr);
  }
  return failed;
}

let failures = 0;
try {
  for (const variant of variants) {
    const consumer = join(work, `consumer-${variant.clientNode}`);
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2),
    );
    log(
      `${variant.name}: installing ${target} (+ closure) and @kubernetes/client-node@${variant.clientNode}`,
    );
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        ...tarballs,
        `@kubernetes/client-node@${variant.clientNode}`,
        '@types/node@20.19.43',
        // client-node's declarations need it when skipLibCheck is off.
        '@types/ws@8.18.2',
      ],
      { cwd: consumer },
    );
    for (const file of readdirSync(join(here, 'consumer'))) {
      writeFileSync(join(consumer, file), readFileSync(join(here, 'consumer', file)));
    }
    // One TypeScript consumer, checked as ESM (.mts), CommonJS (.cts) and bundler-style (.ts).
    for (const ext of ['mts', 'cts']) {
      for (const name of ['smoke', 'informer']) {
        writeFileSync(
          join(consumer, `${name}.${ext}`),
          readFileSync(join(here, 'consumer', `${name}.ts`)),
        );
      }
    }
    const env = { ...process.env, KUBECONFIG: kubeconfigPath, SMOKE_EXPECT: '5' };
    for (const script of ['toy.mjs', 'toy.cjs']) {
      // Asynchronously: the API server lives in this process and must keep answering.
      const r = await runAsync(variant.node, [script], { cwd: consumer, env, timeoutMs: 60_000 });
      const ok = r.status === 0 && /keys: default\/smoke-0/.test(r.stdout);
      log(
        `${variant.name}: ${script} under ${execFileSync(variant.node, ['--version'], { encoding: 'utf8' }).trim()} → ${ok ? 'ok' : 'FAILED'}`,
      );
      if (!ok) {
        failures++;
        console.log(r.stdout, r.stderr);
      }
    }
    if (variant.clientNode === '2.0.1') {
      for (const tsconfig of [
        'tsconfig.node16.json',
        'tsconfig.nodenext.json',
        'tsconfig.bundler.json',
        'tsconfig.node16-libcheck.json',
      ]) {
        const r = spawnSync(
          process.execPath,
          [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig],
          { cwd: consumer, encoding: 'utf8' },
        );
        log(`${variant.name}: tsc -p ${tsconfig} → ${r.status === 0 ? 'ok' : 'FAILED'}`);
        if (r.status !== 0) {
          failures++;
          console.log(r.stdout, r.stderr);
        }
      }
    }
  }
  failures += await jestChecks();
} finally {
  await server.close();
  if (!keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}
if (failures > 0) {
  log(`${failures} check(s) failed`);
  process.exit(1);
}
log('all checks passed');
