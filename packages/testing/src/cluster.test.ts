import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { Cluster } from './cluster.js';
import { builtinResources, resourceId } from './resources.js';
import { isServerApiError } from './status.js';

const cluster = (historySize = 100): Cluster =>
  new Cluster({ historySize, resources: builtinResources });
const cm = (name: string, data: Record<string, string> = {}): KubeObject =>
  ({ metadata: { name, namespace: 'ns' }, data }) as KubeObject;
const code = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (err) {
    if (isServerApiError(err)) return err.code;
    throw err;
  }
  return undefined;
};

describe('Cluster storage', () => {
  it('gives every write the next global revision and keeps uid and creationTimestamp on updates', () => {
    const c = cluster();
    const pods = c.get('pods');
    const cms = c.get('configmaps');
    const a = c.create(cms, cm('a')).obj;
    const p = c.create(pods, { metadata: { name: 'p' } }, 'ns').obj;
    expect([a.metadata?.resourceVersion, p.metadata?.resourceVersion]).toEqual(['2', '3']);
    const a2 = c.patch(cms, 'ns', 'a', { data: { k: 'v' } }).obj;
    expect(a2.metadata?.resourceVersion).toBe('4');
    expect(a2.metadata?.uid).toBe(a.metadata?.uid);
    expect(a2.metadata?.creationTimestamp).toBe(a.metadata?.creationTimestamp);
    expect(c.currentRv()).toBe(4);
    expect(
      code(() => c.update(cms, { ...a2, metadata: { ...a2.metadata, resourceVersion: '2' } })),
    ).toBe(409);
    expect(code(() => c.create(cms, cm('a')))).toBe(409);
    expect(
      c.create(cms, { metadata: { generateName: 'gen-', namespace: 'ns' } }).obj.metadata?.name,
    ).toMatch(/^gen-/);
  });

  it('reconstructs past states from history and returns only later events for a resource', () => {
    const c = cluster();
    const cms = c.get('configmaps');
    c.create(cms, cm('a', { v: '1' }));
    const at = c.currentRv();
    c.patch(cms, 'ns', 'a', { data: { v: '2' } });
    c.create(cms, cm('b'));
    c.create(c.get('pods'), { metadata: { name: 'p' } }, 'ns');
    c.delete(cms, 'ns', 'a');
    const past = c.stateAt(cms, at);
    expect([...past.keys()]).toEqual(['ns/a']);
    expect(past.get('ns/a')?.obj).toMatchObject({ data: { v: '1' } });
    expect(c.eventsAfter('configmaps', at).map((e) => `${e.type}:${e.key}`)).toEqual([
      'MODIFIED:ns/a',
      'ADDED:ns/b',
      'DELETED:ns/a',
    ]);
    expect(code(() => c.stateAt(cms, c.currentRv() + 1))).toBe(504);
  });

  it('compacts explicitly and when history overflows: older revisions answer 410', () => {
    const c = cluster(3);
    const cms = c.get('configmaps');
    c.create(cms, cm('a'));
    const first = c.currentRv();
    for (let i = 0; i < 4; i++) c.patch(cms, 'ns', 'a', { data: { i: String(i) } });
    expect(c.compactedRv).toBeGreaterThan(first);
    expect(code(() => c.eventsAfter('configmaps', first))).toBe(410);
    expect(c.eventsAfter('configmaps', c.compactedRv)).toHaveLength(3);
    c.compact();
    expect(c.compactedRv).toBe(c.currentRv());
    expect(c.eventsAfter('configmaps', c.currentRv())).toEqual([]);
    c.compact(1);
    expect(c.compactedRv).toBe(c.currentRv());
  });

  it('notifies listeners of every committed change, until they unsubscribe', () => {
    const c = cluster();
    const seen: string[] = [];
    const off = c.onChange((ev) => seen.push(`${ev.type}@${ev.rv}`));
    c.create(c.get('configmaps'), cm('a'));
    off();
    c.create(c.get('configmaps'), cm('b'));
    expect(seen).toEqual(['ADDED@2']);
  });

  it('names resources by plural and group and throws 404 for unknown ones', () => {
    expect(resourceId({ group: '', resource: 'pods' })).toBe('pods');
    expect(resourceId({ group: 'example.com', resource: 'widgets' })).toBe('widgets.example.com');
    expect(code(() => cluster().get('widgets.example.com'))).toBe(404);
  });
});
