// What handlers and listers see when the ListWatch shares managedFields[].fieldsV1 (its default):
// objects deep-equal to JSON.parse of what the server sent, in-place transforms still working,
// a transform writing into a shared fieldsV1 failing with a SharedObjectWriteError, and the
// freezeObjects development option.
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultLogger, type KubeList, type KubeObject } from '@kubecache/core';
import {
  createListWatch,
  deepFreeze,
  type ListWatch,
  type ListWatchOptions,
} from '@kubecache/listwatch';
import { isPermanentError } from '@kubecache/reflector';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';
import {
  frozenWriteHint,
  informerTransform,
  isSharedObjectWriteError,
  SharedObjectWriteError,
} from './frozen-objects.js';
import {
  createSharedIndexInformer,
  type SharedIndexInformer,
  type SharedIndexInformerOptions,
} from './shared-informer.js';
import { composeTransforms, createStringInterner } from './transforms.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Fields = { metadata: { managedFields: { fieldsV1: Record<string, unknown> }[] } };
const byName = (objs: readonly KubeObject[]): KubeObject[] =>
  [...objs].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));

/** A server with 12 pods, replicas of 3 templates (their controller field sets are equal). */
async function server(): Promise<ApiServer> {
  const s = await startApiServer();
  cleanups.push(() => s.close());
  for (let i = 0; i < 12; i++) {
    s.create(
      'pods',
      makePod({ namespace: 'ns', name: `p-${String(i).padStart(2, '0')}`, index: i % 3 }),
    );
  }
  return s;
}

/** The pods as the server sends them: JSON.parse of the bytes of a plain GET. */
async function sent(s: ApiServer): Promise<KubeObject[]> {
  const res = await fetch(`${s.url}/api/v1/pods`);
  return byName((JSON.parse(await res.text()) as KubeList<KubeObject>).items);
}

async function informerOn(
  s: ApiServer,
  o: SharedIndexInformerOptions<KubeObject> = {},
  lwOptions: Partial<ListWatchOptions> = {},
): Promise<{ informer: SharedIndexInformer<KubeObject>; seen: KubeObject[]; errors: Error[] }> {
  const lw: ListWatch = createListWatch(s.kubeConfig, {
    group: '',
    version: 'v1',
    resource: 'pods',
    ...lwOptions,
  });
  cleanups.push(() => lw.close());
  const informer = createSharedIndexInformer(lw, {
    reflector: { backoff: { initialMs: 10, capMs: 20, jitter: 0 } },
    ...o,
  });
  const seen: KubeObject[] = [];
  const errors: Error[] = [];
  informer.addEventHandler({
    onAdd: (obj) => {
      seen.push(obj);
    },
  });
  informer.setWatchErrorHandler((_r, err) => errors.push(err));
  const ac = new AbortController();
  const running = informer.run(ac.signal);
  cleanups.push(async () => {
    ac.abort();
    await running.catch(() => undefined);
  });
  return { informer, seen, errors };
}

async function until(cond: () => boolean): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > 5000) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('objects handlers and listers see with shared fieldsV1 (the default)', () => {
  it('are deep-equal to JSON.parse of what the server sent; equal field sets are one frozen object', async () => {
    const s = await server();
    const expected = await sent(s);
    const { informer, seen } = await informerOn(s);
    await until(() => informer.hasSynced() && seen.length === 12);
    expect(byName(seen)).toStrictEqual(expected);
    expect(byName(informer.getStore().list())).toStrictEqual(expected);
    // Every fieldsV1 text is held by at most two frozen objects: the first pod's own copy (a text
    // enters the table at its second sighting) and the one all the others share.
    const cached = byName(informer.getStore().list()) as unknown as Fields[];
    const holders = new Map<string, Set<object>>();
    let uses = 0;
    for (const o of cached) {
      for (const e of o.metadata.managedFields) {
        expect(Object.isFrozen(e.fieldsV1)).toBe(true);
        const text = JSON.stringify(e.fieldsV1);
        holders.set(text, (holders.get(text) ?? new Set()).add(e.fieldsV1));
        uses++;
      }
    }
    for (const set of holders.values()) expect(set.size).toBeLessThanOrEqual(2);
    const pairs = uses - [...holders.values()].reduce((n, set) => n + set.size, 0);
    expect(pairs).toBeGreaterThan(0);
    // A handler writing into one throws, and no other object changed.
    expect(() => {
      cached[0]!.metadata.managedFields[0]!.fieldsV1['f:x'] = {};
    }).toThrow(TypeError);
    expect(byName(informer.getStore().list())).toStrictEqual(expected);
  });

  it('in-place transforms still work: one writing labels, the string interner, and replacing a fieldsV1', async () => {
    const s = await server();
    const expected = (await sent(s)).map((p) => {
      p.metadata!.labels = { ...p.metadata!.labels, seen: 'yes' };
      (p as unknown as Fields).metadata.managedFields[0]!.fieldsV1 = { replaced: {} };
      return p;
    });
    const inPlace = (p: KubeObject): KubeObject => {
      p.metadata!.labels!['seen'] = 'yes';
      (p as unknown as Fields).metadata.managedFields[0]!.fieldsV1 = { replaced: {} };
      return p;
    };
    const { informer, seen } = await informerOn(s, {
      transform: composeTransforms(createStringInterner({ minLength: 1 }), inPlace),
    });
    await until(() => informer.hasSynced() && seen.length === 12);
    expect(byName(informer.getStore().list())).toStrictEqual(expected);
  });

  it('a transform writing into a shared fieldsV1 fails the list with a SharedObjectWriteError; with shareFieldsV1: false it works', async () => {
    const s = await server();
    const writeInto = (p: KubeObject): KubeObject => {
      (p as unknown as Fields).metadata.managedFields[0]!.fieldsV1['f:added'] = {};
      return p;
    };
    const lines: string[] = [];
    const shared = await informerOn(s, {
      transform: writeInto,
      logger: createDefaultLogger({ write: (l) => lines.push(l) }),
    });
    await until(() => shared.errors.length > 0 && lines.length > 0);
    // Retrying cannot fix it: reported at error level as "will not fix itself".
    expect(lines[0]!.split('\n')[0]).toMatch(
      /^kubecache error reflector pods\.v1: list failed \(will not fix itself\): transform wrote into a frozen object \(Cannot add property f:added, object is not extensible\): .* retryInMs=\d+$/,
    );
    expect(isPermanentError(shared.errors.find(isSharedObjectWriteError))).toBe(true);
    const err = shared.errors.find(isSharedObjectWriteError) ?? shared.errors[0];
    expect(isSharedObjectWriteError(err)).toBe(true);
    expect(err).toBeInstanceOf(TypeError);
    expect(err!.name).toBe('SharedObjectWriteError');
    expect(err!.message).toMatch(/shareFieldsV1: false/);
    expect(shared.informer.hasSynced()).toBe(false);

    const own = await informerOn(s, { transform: writeInto }, { shareFieldsV1: false });
    await until(() => own.informer.hasSynced() && own.seen.length === 12);
    const expected = (await sent(s)).map((p) => writeInto(p));
    expect(byName(own.informer.getStore().list())).toStrictEqual(expected);
  });

  it('freezeObjects: cached objects are deep-frozen, still deep-equal; a handler writing throws TypeError', async () => {
    const s = await server();
    const expected = await sent(s);
    const handlerErrors: Error[] = [];
    const { informer, seen } = await informerOn(s, {
      freezeObjects: true,
      onHandlerError: (err) => handlerErrors.push(err),
    });
    informer.addEventHandler({
      onAdd: (obj) => {
        obj.metadata!.labels!['mine'] = 'x';
      },
    });
    await until(() => informer.hasSynced() && seen.length === 12 && handlerErrors.length === 12);
    expect(byName(informer.getStore().list())).toStrictEqual(expected);
    for (const o of informer.getStore().list()) {
      expect(Object.isFrozen(o)).toBe(true);
      expect(Object.isFrozen(o.metadata!.labels)).toBe(true);
    }
    expect(handlerErrors[0]).toBeInstanceOf(TypeError);
  });
});

describe('a handler writing into a frozen part of a cached object', () => {
  it('is logged with a hint that names the shared field sets and the way out; other failures are not', async () => {
    const s = await server();
    const lines: string[] = [];
    const { informer, seen } = await informerOn(s, {
      logger: createDefaultLogger({ write: (l) => lines.push(l) }),
    });
    informer.addEventHandler({
      onAdd: (obj) => {
        const name = obj.metadata!.name!;
        if (name === 'p-00')
          (obj as unknown as Fields).metadata.managedFields[0]!.fieldsV1['f:x'] = {};
        if (name === 'p-01') throw new TypeError('an ordinary bug');
      },
    });
    await until(() => informer.hasSynced() && seen.length === 12 && lines.length >= 2);
    const frozen = lines.find((l) => l.includes('key=ns/p-00'))!.split('\n')[0]!;
    expect(frozen).toContain(
      'event handler failed: Cannot add property f:x, object is not extensible',
    );
    expect(frozen).toContain(
      'hint="the handler wrote into a frozen part of a cached object: cached objects are shared',
    );
    expect(frozen).toContain('copy the object first (structuredClone)');
    const ordinary = lines.find((l) => l.includes('key=ns/p-01'))!.split('\n')[0]!;
    expect(ordinary).not.toContain('hint=');
  });

  it('frozenWriteHint: only for TypeErrors of writes into frozen objects, total for hostile values', () => {
    expect(
      frozenWriteHint(new TypeError("Cannot assign to read only property 'a' of object")),
    ).toMatch(/frozen part of a cached object/);
    expect(frozenWriteHint(new TypeError("Cannot delete property 'a' of #<Object>"))).toBeDefined();
    expect(frozenWriteHint(new TypeError('x is not a function'))).toBeUndefined();
    expect(frozenWriteHint(new RangeError('object is not extensible'))).toBeUndefined();
    const { proxy, revoke } = Proxy.revocable(new TypeError('object is not extensible'), {});
    revoke();
    expect(frozenWriteHint(proxy)).toBeUndefined();
    expect(frozenWriteHint('object is not extensible')).toBeUndefined();
  });
});

describe('informerTransform', () => {
  it('passes other errors through unchanged and is undefined with neither a transform nor freeze', () => {
    const boom = new RangeError('boom');
    const t = informerTransform<KubeObject>(() => {
      throw boom;
    }, false);
    expect(() => t!({})).toThrow(boom);
    const notFrozen = new TypeError('x is not a function');
    expect(() =>
      informerTransform<KubeObject>(() => {
        throw notFrozen;
      }, false)!({}),
    ).toThrow(notFrozen);
    expect(informerTransform(undefined, false)).toBeUndefined();
  });

  it('wraps the TypeError of a write into a frozen object, with it as cause', () => {
    const t = informerTransform<Record<string, unknown>>((o) => {
      (o['f'] as Record<string, unknown>)['x'] = 1;
      return o;
    }, false)!;
    let caught: unknown;
    try {
      t({ f: deepFreeze({ y: {} }) });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SharedObjectWriteError);
    expect((caught as Error).cause).toBeInstanceOf(TypeError);
  });
});
