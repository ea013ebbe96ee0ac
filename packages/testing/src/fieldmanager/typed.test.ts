import { describe, expect, it } from 'vitest';
import { pathString } from './path-element.js';
import { schemaFor, zeroObject } from './schema.js';
import { compare, merge, removeItems, toFieldSet } from './typed.js';
import { FieldSet } from './field-set.js';

const deployments = schemaFor({ group: 'apps', resource: 'deployments' }, true);
const widgets = schemaFor({ group: 'example.com', resource: 'widgets' }, false);
const paths = (s: FieldSet): string[] => s.paths().map(pathString);
const c = (...names: string[]) => names.map((name) => ({ name, image: name }));
const names = (v: unknown): string[] =>
  (
    v as { spec: { template: { spec: { containers: { name: string }[] } } } }
  ).spec.template.spec.containers.map((x) => x.name);
const withContainers = (containers: unknown[]) => ({
  spec: { template: { spec: { containers } } },
});

describe('the structured-merge-diff walks', () => {
  it('compare: a create from the kind zero value adds what is new below its always-present structs', () => {
    const zero = zeroObject({ group: 'apps', resource: 'deployments' }, true);
    const cmp = compare(
      zero,
      { spec: { replicas: 1, template: { spec: { containers: c('a') } } } },
      deployments,
    );
    expect(paths(cmp.added)).toEqual([
      '.spec.replicas',
      '.spec.template.spec.containers[name="a"]',
      '.spec.template.spec.containers[name="a"].image',
      '.spec.template.spec.containers[name="a"].name',
    ]);
    // spec, spec.template and spec.template.spec exist in the zero Deployment: not added.
    expect(cmp.modified.empty()).toBe(true);
  });

  it('toFieldSet: leaves, list items, map keys that are not struct fields, and empty maps', () => {
    const config = {
      metadata: { labels: { app: 'x' } },
      spec: { replicas: 1, strategy: {}, selector: { matchLabels: { a: 'b' } } },
    };
    expect(paths(toFieldSet(config, deployments))).toEqual([
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.selector',
      '.spec.strategy',
    ]);
    // A custom resource's unknown fields are map keys: each is owned itself.
    expect(paths(toFieldSet({ spec: { size: 1, nested: { x: 1 } } }, widgets))).toEqual([
      '.spec',
      '.spec.nested',
      '.spec.size',
      '.spec.nested.x',
    ]);
  });

  it('merge: associative lists by key, shared items in the configuration order, others where they were', () => {
    expect(
      names(merge(withContainers(c('a', 'b', 'c')), withContainers(c('b', 'd')), deployments)),
    ).toEqual(['a', 'b', 'c', 'd']);
    expect(
      names(merge(withContainers(c('a', 'b')), withContainers(c('b', 'a')), deployments)),
    ).toEqual(['b', 'a']);
    expect(
      names(merge(withContainers(c('a', 'b', 'c')), withContainers(c('c', 'x', 'a')), deployments)),
    ).toEqual(['b', 'c', 'x', 'a']);
    // An atomic list (args) is replaced, a keyed item merged field by field.
    const merged = merge(
      withContainers([{ name: 'a', image: 'i', args: ['1', '2'] }]),
      withContainers([{ name: 'a', args: ['3'] }]),
      deployments,
    );
    expect(merged).toEqual(withContainers([{ name: 'a', image: 'i', args: ['3'] }]));
  });

  it('removeItems: a member removes the field or item; an emptied map goes', () => {
    const obj = {
      metadata: { labels: { a: '1' } },
      spec: { template: { spec: { containers: c('a', 'b') } } },
    };
    const set = FieldSet.of(
      [{ field: 'metadata' }, { field: 'labels' }, { field: 'a' }],
      [
        { field: 'spec' },
        { field: 'template' },
        { field: 'spec' },
        { field: 'containers' },
        { key: [['name', 'a']] },
      ],
    );
    expect(removeItems(obj, set, deployments)).toEqual({
      spec: { template: { spec: { containers: c('b') } } },
    });
  });
});
