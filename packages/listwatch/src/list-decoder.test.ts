import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { isResponseDecodeError, type ResponseDecodeError } from './errors.js';
import { createListDecoder, type ListDecoderOptions } from './list-decoder.js';

/** Decodes `body` fed in chunks of `size` bytes (all at once when size is 0). */
function decode(body: string | Buffer, size = 0, o: ListDecoderOptions = {}) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const d = createListDecoder(o);
  const step = size > 0 ? size : Math.max(1, bytes.length);
  for (let at = 0; at < bytes.length; at += step) d.write(bytes.subarray(at, at + step));
  return d.end();
}

function decodeError(body: string | Buffer, size = 0, o: ListDecoderOptions = {}) {
  try {
    decode(body, size, o);
  } catch (err) {
    expect(isResponseDecodeError(err)).toBe(true);
    return err as ResponseDecodeError;
  }
  throw new Error('expected a ResponseDecodeError');
}

// Strings that try every trap of the scanner: braces and brackets in strings, escaped quotes and
// backslashes (also a backslash just before a closing quote), unicode escapes, multi-byte UTF-8
// (2, 3 and 4 bytes), nested arrays and objects, numbers, booleans and null.
const tricky: Record<string, unknown>[] = [
  {
    kind: 'Pod',
    metadata: { name: 'a', annotations: { x: '{[}]"', y: 'back\\slash\\', z: '\\"}' } },
    spec: { containers: [{ args: ['[', ']', '{', '}', ','] }], n: [[1, [2, [3]]], {}] },
  },
  {
    metadata: { name: 'b-ü-€-😀', labels: { ключ: 'значение', emoji: '😀😀' } },
    data: { u: '\u007b\u0000\u2028', q: '"', e: '' },
    flags: [true, false, null, -1.5e3, 0],
  },
  { metadata: { name: 'c' }, deep: { a: { b: { c: { d: [[[[{ e: '}}}}' }]]]] } } } } },
];

describe('createListDecoder', () => {
  it('decodes every item exactly as JSON.parse does, whatever the chunk boundaries', () => {
    const list = {
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '42', continue: 'tok', remainingItemCount: 7 },
      items: tricky,
    };
    const body = Buffer.from(JSON.stringify(list, null, 2));
    const expected = JSON.parse(body.toString('utf8')) as unknown;
    for (let size = 1; size <= 17; size++) {
      expect(decode(body, size)).toEqual(expected);
    }
    expect(decode(body)).toEqual(expected);
  });

  it('splits multi-byte UTF-8 characters across chunks at every position', () => {
    const body = Buffer.from(
      JSON.stringify({ metadata: { resourceVersion: '1' }, items: [{ s: 'ü€😀ü€😀' }] }),
    );
    for (let cut = 1; cut < body.length; cut++) {
      const d = createListDecoder();
      d.write(body.subarray(0, cut));
      d.write(body.subarray(cut));
      expect(d.end().items).toEqual([{ s: 'ü€😀ü€😀' }]);
    }
  });

  it('captures kind, apiVersion and metadata wherever they are, and drops other members', () => {
    const body =
      ' \n{ "items" : [ {"metadata":{"name":"x"}} ] , "extra": {"items": [1]}, "n": 12,' +
      ' "metadata" : { "resourceVersion" : "9", "continue": "c", "remainingItemCount": 3 },' +
      '"apiVersion":"v1","kind":"PodList" }\r\n\t ';
    for (const size of [0, 1, 3]) {
      expect(decode(body, size)).toEqual({
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '9', continue: 'c', remainingItemCount: 3 },
        items: [{ metadata: { name: 'x' } }],
      });
    }
  });

  it('reads escaped quotes and backslashes in top-level strings at every chunk boundary', () => {
    const body = String.raw`{"kind":"a\"b\\","apiVersion":"\\\"","items":[],"x":"\u0022"}`;
    for (let size = 1; size <= 5; size++) {
      const list = decode(body, size);
      expect(list.kind).toBe('a"b\\');
      expect(list.apiVersion).toBe('\\"');
    }
  });

  it('decodes "items": null and an empty list as no items', () => {
    expect(decode('{"metadata":{"resourceVersion":"1"},"items":null}').items).toEqual([]);
    expect(decode('{"metadata":{"resourceVersion":"1"},"items":null}', 1).items).toEqual([]);
    expect(decode('{"items":[],"metadata":{"resourceVersion":"1"}}', 1).items).toEqual([]);
    expect(decode('{"items":[ \n ]}').items).toEqual([]);
  });

  it('hands each item to mapItem as soon as its last byte arrived, and keeps what it returns', () => {
    const seen: string[] = [];
    const d = createListDecoder({
      mapItem: (item) => {
        seen.push(item.metadata?.name ?? '');
        return { metadata: { name: `mapped-${item.metadata?.name ?? ''}` } };
      },
    });
    d.write(Buffer.from('{"items":[{"metadata":{"name":"a"}},{"metadata":{"na'));
    expect(seen).toEqual(['a']);
    expect(d.itemCount).toBe(1);
    d.write(Buffer.from('me":"b"}}'));
    expect(seen).toEqual(['a', 'b']);
    d.write(Buffer.from('],"metadata":{"resourceVersion":"1"}}'));
    expect(d.end().items.map((i) => i.metadata?.name)).toEqual(['mapped-a', 'mapped-b']);
  });

  const bad: [string, string, RegExp][] = [
    ['an empty body', '', /body is empty/],
    ['a body that is not JSON', '<html>oops</html>', /not valid JSON: unexpected '<'/],
    ['a JSON array', '[]', /no items array/],
    ['an object without items', '{"metadata":{"resourceVersion":"1"}}', /no items array/],
    ['items that is an object', '{"items":{}}', /items is not an array/],
    ['items that is a string', '{"items":"x"}', /items is not an array/],
    ['two items members', '{"items":[],"items":[]}', /more than one items member/],
    ['a malformed item', '{"items":[{"a":1},{"b":tru}]}', /item 1 is not valid JSON/],
    ['an item that is not an object', '{"items":[{"a":1},[2]]}', /item 1 is not a JSON object/],
    ['a scalar item', '{"items":[3]}', /item 0 is not a JSON object/],
    ['a missing comma between items', '{"items":[{} {}]}', /unexpected '\{'/],
    ['a trailing comma in items', '{"items":[{},]}', /unexpected '\]'/],
    ['a leading comma in items', '{"items":[,{}]}', /unexpected ','/],
    ['a missing colon', '{"items" []}', /unexpected '\['/],
    ['garbage after the list', '{"items":[]} x', /unexpected 'x'/],
    ['a malformed member', '{"metadata":{"resourceVersion":1,},"items":[]}', /member "metadata"/],
    ['a truncated body (in an item)', '{"items":[{"metadata":{"name":"a"', /truncated/],
    ['a truncated body (between items)', '{"items":[{"a":1},', /truncated/],
    ['a truncated body (in a string)', '{"items":[{"a":"b\\"}]}', /truncated/],
    ['a truncated body (before the closing brace)', '{"items":[]', /truncated/],
  ];
  for (const [name, body, message] of bad) {
    it(`rejects ${name} with ResponseDecodeError`, () => {
      for (const size of [0, 1]) {
        const err = decodeError(body, size, { description: 'list of /api/v1/pods' });
        expect(err.message).toMatch(message);
        expect(err.message).toMatch(/^list of \/api\/v1\/pods: /);
        expect(err.statusCode).toBe(200);
      }
    });
  }

  it('rejects invalid UTF-8 inside an item, outside strings, and accepts a real U+FFFD', () => {
    const inItem = Buffer.concat([
      Buffer.from('{"items":[{"a":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}]}'),
    ]);
    expect(decodeError(inItem).message).toMatch(/item 0 is not valid UTF-8/);
    expect(decodeError(Buffer.from([0x7b, 0xff, 0x7d])).message).toMatch(/UTF-8/);
    expect(decode('{"items":[{"a":"\uFFFD"}]}', 2).items).toEqual([{ a: '\uFFFD' }]);
  });

  it('rejects an item larger than maxItemBytes, also when it spans many chunks', () => {
    const big = `{"items":[{"a":"${'x'.repeat(1000)}"}]}`;
    expect(decode(big, 0, { maxItemBytes: 1100 }).items).toHaveLength(1);
    for (const size of [0, 7, 100]) {
      expect(decodeError(big, size, { maxItemBytes: 999 }).message).toMatch(
        /item 0 is larger than the 999-byte limit/,
      );
    }
    expect(
      decodeError(`{"metadata":${big.slice(10, -2)}, "items":[]}`, 50, { maxItemBytes: 999 })
        .message,
    ).toMatch(/member "metadata" is larger than the 999-byte limit/);
  });

  it('reports statusCode from its options', () => {
    expect(decodeError('{', 0, { statusCode: 203 }).statusCode).toBe(203);
  });

  it('streams a 200+ MB body holding no more than one item plus one chunk', () => {
    // 64 KiB items (mostly one long string) in 64 KiB chunks: the body is ~3200 times the item
    // limit, so any whole-body buffering would blow it; the decoder's window stays bounded.
    const itemBytes = 64 * 1024;
    const chunkBytes = 64 * 1024;
    const maxItemBytes = 80 * 1024;
    const item = (i: number): string => {
      const head = `{"metadata":{"name":"p${String(i).padStart(6, '0')}"},"data":"`;
      return `${head}${'y'.repeat(itemBytes - head.length - 2)}"}`;
    };
    const d = createListDecoder({
      maxItemBytes,
      mapItem: (() => {
        let n = 0;
        const kept = { metadata: { name: 'kept' } };
        return (o: KubeObject) => {
          if (o.metadata?.name !== `p${String(n++).padStart(6, '0')}`) throw new Error('order');
          return kept; // so the test holds 3200 references, not 200 MB of parsed strings
        };
      })(),
    });
    const heapBefore = process.memoryUsage().heapUsed;
    let maxHeapGrowth = 0;
    let written = 0;
    let pending = Buffer.from('{"kind":"PodList","items":[');
    const count = 3300;
    for (let i = 0; i < count; i++) {
      pending = Buffer.concat([pending, Buffer.from(item(i) + (i < count - 1 ? ',' : ''))]);
      while (pending.length >= chunkBytes) {
        d.write(pending.subarray(0, chunkBytes));
        written += chunkBytes;
        pending = pending.subarray(chunkBytes);
      }
      if (i % 200 === 0) {
        maxHeapGrowth = Math.max(maxHeapGrowth, process.memoryUsage().heapUsed - heapBefore);
      }
    }
    d.write(Buffer.concat([pending, Buffer.from('],"metadata":{"resourceVersion":"77"}}')]));
    written += pending.length;
    expect(written).toBeGreaterThan(200 * 1024 * 1024);
    const list = d.end();
    expect(list.items).toHaveLength(count);
    expect(list.metadata?.resourceVersion).toBe('77');
    expect(d.bytesRead).toBeGreaterThan(200 * 1024 * 1024);
    expect(d.windowBytes).toBe(0);
    expect(d.peakWindowBytes).toBeLessThanOrEqual(maxItemBytes + chunkBytes);
    // Parsed strings and chunk copies become garbage item by item: the heap never holds a
    // sizeable part of the 200 MB (GC timing varies, hence the generous bound).
    expect(maxHeapGrowth).toBeLessThan(64 * 1024 * 1024);
  });
});
