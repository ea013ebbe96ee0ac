#!/usr/bin/env node
// Release rehearsal: the maintainer flow of CONTRIBUTING.md against a real local npm registry.
//
//  1. installs verdaccio into a scratch folder (it needs Node ≥ 22 — npm scripts give us Node 24 — and an
//     override for node-fetch, see shared research §B7) and starts it on 127.0.0.1 with no uplinks;
//  2. clones this repository into a temporary folder and `npm ci`s it;
//  3. adds a sample changeset that bumps @kubecache/store (minor) to whatever changesets are pending,
//     computes the expected plan from them and the dependency graph (plan.mjs), runs `changeset version`
//     and checks it: versions, internal ranges, CHANGELOG entries, private packages never versioned;
//  4. builds, tests and package-checks (never publish a stale dist), then `changeset publish`es to the
//     local registry, and checks every planned release is there (metadata reads retry: registry-fetch.mjs);
//  5. in a fresh folder, `npm install @kubecache/reflector` from that registry (client-node from npmjs)
//     and runs the seed's toy example against the in-process API server.
//
// Usage: npm run release:rehearsal [-- --keep] [-- --skip-tests]
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import {
  checkChangelogs,
  checkVersioned,
  expectedReleases,
  readChangesets,
  readWorkspace,
} from './plan.mjs';
import { getJson } from './registry-fetch.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const keep = process.argv.includes('--keep');
const skipTests = process.argv.includes('--skip-tests');
const log = (m) => console.log(`[release-rehearsal] ${m}`);
const run = (cmd, args, opts = {}) => {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
};
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const startedAt = Date.now();
const work = mkdtempSync(join(tmpdir(), 'kubecache-release-'));
let registry;
let failures = 0;
const check = (ok, what) => {
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
};

try {
  // 1. verdaccio
  const vdir = join(work, 'verdaccio');
  mkdirSync(vdir);
  writeFileSync(
    join(vdir, 'package.json'),
    JSON.stringify(
      { name: 'registry', private: true, overrides: { 'node-fetch': '2.7.0' } },
      null,
      2,
    ),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', 'verdaccio@6.10.4'], {
    cwd: vdir,
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(vdir, 'config.yaml'),
    [
      `storage: ${join(vdir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(vdir, 'htpasswd')}`,
      'uplinks: {}',
      'packages:',
      "  '@kubecache/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      'server:',
      '  keepAliveTimeout: 60',
      'log: { type: stdout, format: pretty, level: warn }',
      `listen: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  registry = spawn(
    process.execPath,
    [join(vdir, 'node_modules/verdaccio/bin/verdaccio'), '--config', join(vdir, 'config.yaml')],
    {
      stdio: 'inherit',
    },
  );
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/-/ping`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 100) throw new Error('verdaccio did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`verdaccio on ${url}`);
  const user = await fetch(`${url}/-/user/org.couchdb.user:ci`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'ci',
      password: 'rehearsal-password',
      email: 'ci@example.invalid',
    }),
  });
  const { token } = await user.json();
  if (!token) throw new Error('could not create a registry user');
  const npmrc = join(work, 'npmrc');
  writeFileSync(npmrc, `@kubecache:registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`);
  const env = {
    ...process.env,
    npm_config_userconfig: npmrc,
    NX_NO_CLOUD: 'true',
    NX_DAEMON: 'false',
    NX_TUI: 'false',
  };

  // 2. a clone of the repository
  const repo = join(work, 'repo');
  run('git', ['clone', '-q', root, repo]);
  run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: repo, env });
  const before = readWorkspace(repo);

  // 3. a sample changeset for store on top of whatever changesets are pending, then `changeset version`
  writeFileSync(
    join(repo, '.changeset', 'rehearsal-store-minor.md'),
    "---\n'@kubecache/store': minor\n---\n\nRehearsal: a new Store feature.\n",
  );
  const changesets = readChangesets(repo);
  const plan = expectedReleases(before, changesets);
  log(
    `pending changesets: ${changesets.map((c) => c.id).join(', ')}; expected releases: ${[
      ...plan.values(),
    ]
      .map((r) => `${r.name} ${r.oldVersion} → ${r.newVersion} (${r.type})`)
      .join(', ')}`,
  );
  run(join(repo, 'node_modules/.bin/changeset'), ['version'], { cwd: repo, env });
  const after = readWorkspace(repo);
  for (const c of checkVersioned(before, after, plan)) check(c.ok, c.what);
  for (const c of checkChangelogs(repo, before, changesets, plan)) check(c.ok, c.what);
  check(readChangesets(repo).length === 0, 'changeset version consumed every pending changeset');
  run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: repo,
    env,
  });

  // 4. build + test + package checks, then publish
  const targets = skipTests ? ['build', 'test:package'] : ['build', 'test', 'test:package'];
  run(join(repo, 'node_modules/.bin/nx'), ['run-many', '-t', ...targets, '--output-style=static'], {
    cwd: repo,
    env,
  });
  run(join(repo, 'node_modules/.bin/changeset'), ['publish'], { cwd: repo, env });
  // Registry metadata reads retry (bounded, reported): see registry-fetch.mjs.
  const fetchLog = (line) => log(`retrying: ${line}`);
  for (const r of plan.values()) {
    const meta = await getJson(`${url}/${r.name.replace('/', '%2f')}`, { log: fetchLog });
    check(
      meta.status === 200 && Boolean(meta.body?.versions?.[r.newVersion]),
      `${r.name}@${r.newVersion} is on the local registry`,
    );
  }
  for (const p of before.filter((x) => x.private)) {
    const meta = await getJson(`${url}/${p.name.replace('/', '%2f')}`, { log: fetchLog });
    check(meta.status === 404, `the private ${p.name} was not published`);
  }

  // 5. a fresh consumer installs only @kubecache/reflector
  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '@kubecache/reflector',
      '@kubernetes/client-node@2.0.1',
    ],
    { cwd: consumer, env },
  );
  cpSync(join(root, 'tools/pack-smoke/consumer/toy.mjs'), join(consumer, 'toy.mjs'));
  const { startApiServer, makePod } = await import(join(repo, 'packages/testing/dist/index.js'));
  const server = await startApiServer();
  try {
    for (let i = 0; i < 3; i++)
      server.create('pods', makePod({ namespace: 'default', name: `release-${i}`, index: i }));
    writeFileSync(join(work, 'kubeconfig'), server.kubeConfigYaml());
    // Asynchronously: the API server lives in this process and must keep answering.
    const r = await new Promise((resolve) => {
      const child = spawn(process.execPath, ['toy.mjs'], {
        cwd: consumer,
        env: { ...env, KUBECONFIG: join(work, 'kubeconfig'), SMOKE_EXPECT: '3' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (c) => (stdout += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout });
      });
    });
    process.stdout.write(r.stdout);
    check(
      r.status === 0 && r.stdout.includes('default/release-0'),
      'toy example ran from the registry install',
    );
  } finally {
    await server.close();
  }
  log(
    `installed versions: ${execFileSync('npm', ['ls', '--all', '--depth=2'], {
      cwd: consumer,
      env,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((l) => l.includes('@kubecache'))
      .join(' | ')}`,
  );
} finally {
  registry?.kill();
  if (keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
if (failures > 0) {
  log(`${failures} check(s) failed`);
  process.exit(1);
}
log(`rehearsal passed in ${Math.round((Date.now() - startedAt) / 1000)} s`);
