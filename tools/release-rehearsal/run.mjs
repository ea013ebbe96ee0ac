#!/usr/bin/env node
// Release rehearsal: the maintainer flow of CONTRIBUTING.md against a real local npm registry.
//
//  1. installs verdaccio into a scratch folder (it needs Node ≥ 22 — npm scripts give us Node 24 — and an
//     override for node-fetch, see shared research §B7) and starts it on 127.0.0.1 with no uplinks;
//  2. clones this repository into a temporary folder and `npm ci`s it;
//  3. adds a sample changeset that bumps only @kubecache/store (minor), runs `changeset version`, and
//     checks the plan: store 0.x → next minor, its dependents re-versioned (patch) with the new caret range,
//     unrelated packages untouched, the private app never versioned;
//  4. builds, tests and package-checks (never publish a stale dist), then `changeset publish`es to the
//     local registry;
//  5. in a fresh folder, `npm install @kubecache/reflector` from that registry (client-node from npmjs)
//     and runs the seed's toy example against the in-process API server.
//
// Usage: npm run release:rehearsal [-- --keep] [-- --skip-tests]
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  rmSync,
  readdirSync,
  existsSync,
  cpSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

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
  const versions = () =>
    Object.fromEntries(
      [
        ...readdirSync(join(repo, 'packages')).map((d) => join(repo, 'packages', d)),
        join(repo, 'apps/pod-printer'),
      ]
        .filter((d) => existsSync(join(d, 'package.json')))
        .map((d) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')))
        .map((p) => [p.name, { version: p.version, deps: p.dependencies ?? {} }]),
    );
  const before = versions();

  // 3. a changeset for store only, then `changeset version`
  writeFileSync(
    join(repo, '.changeset', 'rehearsal-store-minor.md'),
    "---\n'@kubecache/store': minor\n---\n\nRehearsal: a new Store feature.\n",
  );
  run(join(repo, 'node_modules/.bin/changeset'), ['version'], { cwd: repo, env });
  const after = versions();
  const bumpMinor = (v) => v.replace(/^(\d+)\.(\d+)\.\d+$/, (_, a, b) => `${a}.${Number(b) + 1}.0`);
  const bumpPatch = (v) =>
    v.replace(/^(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c) => `${a}.${b}.${Number(c) + 1}`);
  const storeVersion = after['@kubecache/store'].version;
  check(
    storeVersion === bumpMinor(before['@kubecache/store'].version),
    `store bumped minor: ${before['@kubecache/store'].version} → ${storeVersion}`,
  );
  const dependents = Object.entries(before)
    .filter(([, p]) => '@kubecache/store' in p.deps)
    .map(([n]) => n);
  for (const [name, p] of Object.entries(after)) {
    if (name === '@kubecache/store') continue;
    const was = before[name].version;
    if (name === '@kubecache/pod-printer') {
      check(p.version === was, `private app not versioned (${p.version})`);
    } else if (dependents.includes(name)) {
      check(
        p.version === bumpPatch(was) && p.deps['@kubecache/store'] === `^${storeVersion}`,
        `dependent ${name}: ${was} → ${p.version}, store range ${p.deps['@kubecache/store']}`,
      );
    } else {
      check(p.version === was, `unrelated ${name} unchanged (${p.version})`);
    }
  }
  check(
    readFileSync(join(repo, 'packages/store/CHANGELOG.md'), 'utf8').includes(
      'Rehearsal: a new Store feature.',
    ),
    'store CHANGELOG.md has the entry',
  );
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
  const published = await (await fetch(`${url}/@kubecache%2freflector`)).json();
  check(
    Boolean(published.versions?.[after['@kubecache/reflector'].version]),
    `@kubecache/reflector@${after['@kubecache/reflector'].version} is on the local registry`,
  );
  const app = await fetch(`${url}/@kubecache%2fpod-printer`);
  check(app.status === 404, 'the private app was not published');

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
log('rehearsal passed');
