import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigNotFoundError, loadKubeConfig } from './config.js';

const two = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: "https://a.example:6443" }
- name: b
  cluster: { server: "https://b.example:6443" }
users:
- name: u
  user: { token: t }
contexts:
- name: ctx-a
  context: { cluster: a, user: u }
- name: ctx-b
  context: { cluster: b, user: u }
current-context: ctx-a
`;

describe('kubeconfig discovery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-'));
  const file = join(dir, 'config');
  writeFileSync(file, two);

  it('uses --kubeconfig and --context', () => {
    expect(loadKubeConfig({ kubeconfig: file }, {}).getCurrentCluster()?.server).toBe(
      'https://a.example:6443',
    );
    expect(
      loadKubeConfig({ kubeconfig: file, context: 'ctx-b' }, {}).getCurrentCluster()?.server,
    ).toBe('https://b.example:6443');
    expect(() => loadKubeConfig({ kubeconfig: file, context: 'nope' }, {})).toThrow(
      ConfigNotFoundError,
    );
  });

  it('falls back to KUBECONFIG, then ~/.kube/config, and explains --demo when nothing is found', () => {
    expect(loadKubeConfig({}, { KUBECONFIG: `/missing:${file}` }).getCurrentCluster()?.name).toBe(
      'a',
    );
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    expect(() => loadKubeConfig({}, { HOME: home })).toThrow(/--demo/);
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'absent') }, {})).toThrow(/does not exist/);
  });
});

describe('a kubeconfig that cannot be read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-bad-'));

  it('is a ConfigError with one line naming the file, not a YAML parser stack', () => {
    const garbage = join(dir, 'garbage');
    writeFileSync(garbage, 'apiVersion: v1\nclusters: [\n  - name: {{{\n\t:::\n');
    let caught: unknown;
    try {
      loadKubeConfig({ kubeconfig: garbage }, {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain(garbage);
    expect(message).toMatch(/not a valid kubeconfig/);
    expect(message).not.toContain('\n');
  });

  it('reports a YAML document that is not a kubeconfig the same way (via KUBECONFIG too)', () => {
    const text = join(dir, 'text');
    writeFileSync(text, 'just some words\n');
    expect(() => loadKubeConfig({}, { KUBECONFIG: text })).toThrow(ConfigError);
    expect(() => loadKubeConfig({}, { KUBECONFIG: text })).toThrow(/not a valid kubeconfig/);
  });

  it('names the KUBECONFIG path that does not exist, as it names a --kubeconfig one', () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), two);
    const missing = join(dir, 'absent-from-env');
    // A set KUBECONFIG replaces ~/.kube/config (kubectl's rule): no silent fallback to it.
    expect(() => loadKubeConfig({}, { KUBECONFIG: missing, HOME: home })).toThrow(
      new ConfigNotFoundError(`kubeconfig ${missing} (from KUBECONFIG) does not exist`),
    );
    expect(() => loadKubeConfig({}, { KUBECONFIG: `${missing}:/nope`, HOME: home })).toThrow(
      `none of the kubeconfig files in KUBECONFIG exists: ${missing}, /nope`,
    );
    expect(loadKubeConfig({}, { KUBECONFIG: '', HOME: home }).getCurrentCluster()?.name).toBe('a');
  });
});
