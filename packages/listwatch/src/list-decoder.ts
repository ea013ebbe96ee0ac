// A streaming decoder for the JSON body of a Kubernetes LIST (`{"kind": "PodList", "apiVersion":
// "v1", "metadata": {...}, "items": [...]}`). client-go decodes a list body with one
// json.Unmarshal of the whole response; Go has no string-size limit, V8 does (~512 MiB), and
// kube-apiserver's watch cache answers resourceVersion=0 lists whole whatever the limit. So here
// the body is scanned as it arrives: the scanner tracks JSON nesting, strings and escapes to find
// where each element of `items` ends, and parses just that element's bytes. Only the bytes of the
// element (or top-level member) still incomplete are kept between chunks.
import type { KubeList, KubeObject } from '@kubecache/core';
import { ResponseDecodeError } from './errors.js';
import type { FieldsV1Sharing } from './shared-fields.js';
import type { StringInterner } from './string-interner.js';
import {
  BACKSLASH,
  COLON,
  COMMA,
  LBRACE,
  LBRACKET,
  QUOTE,
  RBRACE,
  RBRACKET,
  isSpace,
} from './json-chars.js';

/** Options of {@link createListDecoder}. */
export interface ListDecoderOptions<T = KubeObject> {
  /**
   * Largest element of `items` (or other top-level member, such as `metadata`) accepted, in
   * bytes of JSON; a larger one fails the list with a ResponseDecodeError. Default: 64 MiB
   * (67 108 864); etcd limits an object to ~1.5 MB.
   */
  maxItemBytes?: number;
  /**
   * Applied to each item as soon as it is parsed; its result is kept instead (e.g. to swap in an
   * instance the caller already holds, so the fresh copy is garbage at once). It must have no
   * effect the caller cannot drop: it also sees items of a list that fails later.
   */
  mapItem?: ((item: T) => T) | undefined;
  /**
   * Decodes each item through this sharing (see `createFieldsV1Sharing`): identical
   * `metadata.managedFields[].fieldsV1` values become one frozen object. Default: none (each
   * item is `JSON.parse`d whole).
   */
  fieldsV1Sharing?: FieldsV1Sharing | undefined;
  /**
   * Makes equal string values of the items share one copy (see `createStringInterner`), applied
   * to each item as it is parsed, after `mapItem` and only when `mapItem` kept the item (an item
   * swapped for another instance is garbage at once). Default: none.
   */
  interner?: StringInterner | undefined;
  /** Names the response in error messages. Default: `list`. */
  description?: string;
  /** HTTP status reported by errors (`ResponseDecodeError.statusCode`). Default: 200. */
  statusCode?: number;
}

/**
 * A list decoder fed with the chunks of one body. Not reusable: one decoder per response.
 *
 * Contract: `write` consumes a chunk completely (the decoder never keeps a reference to a chunk
 * after `write` returns, only copies of an incomplete item's bytes) and throws a
 * ResponseDecodeError at the first byte that cannot belong to a list (after which the decoder
 * must not be used). `end` returns the list once the body is complete, or throws a
 * ResponseDecodeError when it is not (truncated) or has no `items`. Nothing is returned before
 * the whole body was validated, so a caller never sees part of a list.
 */
export interface ListDecoder<T = KubeObject> {
  /** Scans one chunk; parses every item that ends in it. */
  write(chunk: Uint8Array): void;
  /** Finishes: the list (`items: null` or `[]` → no items), or throws. */
  end(): KubeList<T>;
  /** Items parsed so far. */
  readonly itemCount: number;
  /** Bytes consumed so far. */
  readonly bytesRead: number;
  /**
   * Bytes copied and held now because an item (or member) continues past the last chunk. Zero
   * between items.
   */
  readonly windowBytes: number;
  /**
   * The most bytes held at any time while a chunk was scanned: the incomplete item's earlier
   * bytes plus the chunk. Stays near one item + one chunk, whatever the body size.
   */
  readonly peakWindowBytes: number;
}

const defaultMaxItemBytes = 64 * 1024 * 1024;

/** Where the scanner stands between values. */
const State = {
  /** Before the opening `{` of the list. */
  Start: 0,
  /** Inside the list object, before a member name or `}`. */
  Key: 1,
  /** After a member name, before `:`. */
  Colon: 2,
  /** After `:`, before the member's value. */
  Value: 3,
  /** After a member's value, before `,` or `}`. */
  AfterValue: 4,
  /** Just inside `items: [`, before the first element or `]`. */
  ItemsFirst: 5,
  /** After an element, before `,` or `]`. */
  ItemsNext: 6,
  /** After a `,` in `items`, before the next element. */
  ItemsValue: 7,
  /** After the closing `}`: only whitespace may follow. */
  Done: 8,
} as const;
type State = (typeof State)[keyof typeof State];

/** What the value being scanned will be used for. */
const Target = {
  /** A member name of the list object. */
  Key: 0,
  /** A member's value other than `items`. */
  Member: 1,
  /** One element of `items`. */
  Item: 2,
} as const;
type Target = (typeof Target)[keyof typeof Target];

/** The shape of a value being scanned. */
const Shape = {
  /** Object or array: ends when the nesting depth returns to 0. */
  Container: 0,
  /** String: ends at the unescaped closing quote. */
  Str: 1,
  /** Number, true, false, null: ends before the next delimiter. */
  Scalar: 2,
} as const;
type Shape = (typeof Shape)[keyof typeof Shape];

/** A delimiter that ends a scalar. */
function endsScalar(c: number): boolean {
  return c === COMMA || c === RBRACE || c === RBRACKET || isSpace(c);
}

/**
 * From `i` (inside a string, not on an escaped byte), the index of the string's closing quote;
 * `n` when the chunk ends inside the string, `n + 1` when it ends just after a backslash (the
 * next chunk starts with an escaped byte). Two comparisons a byte: the hot loop of the decoder.
 */
function skipString(buf: Uint8Array, i: number, n: number): number {
  for (; i < n; i++) {
    const c = buf[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++;
  }
  return i;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Creates a {@link ListDecoder}: feed it the body's chunks in order with `write`, then call
 * `end`. Errors (all ResponseDecodeError, with `statusCode` from the options): the body is not a
 * JSON object, is not valid JSON or UTF-8, ends early, has a non-object element in `items`, an
 * element or member above `maxItemBytes`, a second `items` member, or no `items` at all.
 *
 * `kind`, `apiVersion` and `metadata` are captured wherever they appear (before or after
 * `items`); other members are validated and dropped. `"items": null` decodes as no items.
 */
export function createListDecoder<T = KubeObject>(
  options: ListDecoderOptions<T> = {},
): ListDecoder<T> {
  const maxItemBytes = options.maxItemBytes ?? defaultMaxItemBytes;
  const mapItem = options.mapItem;
  const sharing = options.fieldsV1Sharing;
  const interner = options.interner;
  const what = options.description ?? 'list';
  const statusCode = options.statusCode ?? 200;

  const items: T[] = [];
  let kind: unknown;
  let apiVersion: unknown;
  let metadata: unknown;
  let sawItems = false;

  let state: State = State.Start;
  let key = '';
  /** Bytes of chunks before the current one. */
  let offset = 0;
  let peak = 0;

  // The value being scanned (when `scanning`).
  let scanning = false;
  let target: Target = Target.Item;
  let shape: Shape = Shape.Container;
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** Copies of the value's bytes from earlier chunks. */
  let parts: Buffer[] = [];
  let partsBytes = 0;

  function fail(message: string, cause?: unknown): never {
    throw new ResponseDecodeError(
      `${what}: ${message}`,
      statusCode,
      cause !== undefined ? { cause } : undefined,
    );
  }

  function unexpected(c: number, at: number): never {
    const hex = `0x${c.toString(16).padStart(2, '0')}`;
    const shown = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}' (${hex})` : hex;
    const where = `at byte ${String(at)}`;
    if (state === State.Start && c === LBRACKET) {
      fail(`response is a JSON array, not a list object: no items array`);
    }
    if (c >= 0x80) fail(`body is not valid UTF-8 JSON: unexpected byte ${shown} ${where}`);
    fail(`body is not valid JSON: unexpected ${shown} ${where}`);
  }

  /** Starts scanning a value whose first byte `c` is at `start` of `buf`. */
  function begin(c: number, t: Target, at: number): void {
    target = t;
    scanning = true;
    depth = 0;
    inString = false;
    escaped = false;
    if (c === LBRACE || c === LBRACKET) shape = Shape.Container;
    else if (c === QUOTE) shape = Shape.Str;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e) {
      shape = Shape.Scalar;
    } else unexpected(c, at);
  }

  /**
   * Scans the current value from `i`; returns the index just past its end (and completes it), or
   * `buf.length` when it continues in the next chunk (its bytes from `start` are then kept).
   */
  function scan(buf: Uint8Array, i: number, start: number): number {
    const n = buf.length;
    if (shape === Shape.Container) {
      if (inString) {
        // A string of the value continues from the previous chunk.
        const q = skipString(buf, escaped ? i + 1 : i, n);
        if (q >= n) {
          escaped = q > n;
          keep(buf, start, n);
          return n;
        }
        inString = false;
        i = q + 1;
      }
      let d = depth;
      for (; i < n; i++) {
        const c = buf[i]!;
        if (c === QUOTE) {
          i = skipString(buf, i + 1, n);
          if (i >= n) {
            inString = true;
            escaped = i > n;
            break;
          }
        } else if (c === LBRACE || c === LBRACKET) d++;
        else if (c === RBRACE || c === RBRACKET) {
          if (--d === 0) {
            complete(buf, start, i + 1);
            return i + 1;
          }
        }
      }
      depth = d;
    } else if (shape === Shape.Str) {
      // inString is false until the opening quote (at `start`) was stepped over.
      if (!inString) {
        inString = true;
        i++;
      } else if (escaped) i++;
      const q = skipString(buf, i, n);
      if (q < n) {
        complete(buf, start, q + 1);
        return q + 1;
      }
      escaped = q > n;
    } else {
      for (; i < n; i++) {
        if (endsScalar(buf[i]!)) {
          complete(buf, start, i);
          return i;
        }
      }
    }
    keep(buf, start, n);
    return n;
  }

  /** Keeps a copy of an incomplete value's bytes `[start, end)` until its end arrives. */
  function keep(buf: Uint8Array, start: number, end: number): void {
    if (end > start) {
      parts.push(Buffer.from(buf.subarray(start, end)));
      partsBytes += end - start;
    }
    if (partsBytes > peak) peak = partsBytes;
    tooLarge(partsBytes);
  }

  function tooLarge(bytes: number): void {
    if (bytes <= maxItemBytes) return;
    fail(`${valueName()} is larger than the ${String(maxItemBytes)}-byte limit (maxItemBytes)`);
  }

  /** Decodes bytes `[start, end)` of `buf`, after any kept parts, as strict UTF-8 text. */
  function text(buf: Uint8Array, start: number, end: number): string {
    let bytes: Buffer;
    if (partsBytes === 0) {
      tooLarge(end - start);
      bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    } else {
      parts.push(Buffer.from(buf.subarray(start, end)));
      const size = partsBytes + end - start;
      tooLarge(size);
      bytes = Buffer.concat(parts, size);
      parts = [];
      partsBytes = 0;
      start = 0;
      end = size;
    }
    // The lenient decoder is the fast one; a replacement character means invalid bytes or a
    // real U+FFFD, and only then the strict decoder decides.
    const s = bytes.toString('utf8', start, end);
    if (s.includes('\uFFFD')) {
      try {
        return strictUtf8.decode(bytes.subarray(start, end));
      } catch (err) {
        fail(`${valueName()} is not valid UTF-8`, err);
      }
    }
    return s;
  }

  /** Names the value being scanned in error messages. */
  function valueName(): string {
    if (target === Target.Item) return `item ${String(items.length)}`;
    return target === Target.Key ? 'a member name' : `member ${JSON.stringify(key)}`;
  }

  function parse(json: string): unknown {
    let value: unknown;
    try {
      value =
        sharing !== undefined && target === Target.Item
          ? sharing.parse(json, 'object')
          : JSON.parse(json);
    } catch (err) {
      return fail(`${valueName()} is not valid JSON: ${String(err)}`, err);
    }
    return value;
  }

  /** A value ended at `end` (exclusive): parse it and move on. */
  function complete(buf: Uint8Array, start: number, end: number): void {
    scanning = false;
    const value = parse(text(buf, start, end));
    if (target === Target.Item) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(`item ${String(items.length)} is not a JSON object`);
      }
      const item = mapItem !== undefined ? mapItem(value as T) : (value as T);
      // An item mapItem swapped for an instance the caller holds is garbage now: not interned.
      if (interner !== undefined && item === value) interner(item);
      items.push(item);
      state = State.ItemsNext;
    } else if (target === Target.Key) {
      key = value as string;
      state = State.Colon;
    } else {
      if (key === 'items') {
        // Only `null` reaches here: `[` opens the element-by-element scan.
        if (value !== null) fail('response has no items array (items is not an array)');
        sawItems = true;
      } else if (key === 'kind') kind = value;
      else if (key === 'apiVersion') apiVersion = value;
      else if (key === 'metadata') metadata = value;
      state = State.AfterValue;
    }
  }

  function write(chunk: Uint8Array): void {
    const n = chunk.length;
    if (partsBytes + n > peak) peak = partsBytes + n;
    let i = 0;
    if (scanning) i = scan(chunk, 0, 0);
    while (i < n) {
      const c = chunk[i]!;
      if (isSpace(c)) {
        i++;
        continue;
      }
      switch (state) {
        case State.Start:
          if (c !== LBRACE) unexpected(c, offset + i);
          state = State.Key;
          i++;
          continue;
        case State.Key:
          if (c === RBRACE) {
            state = State.Done;
            i++;
            continue;
          }
          if (c !== QUOTE) unexpected(c, offset + i);
          begin(c, Target.Key, offset + i);
          break;
        case State.Colon:
          if (c !== COLON) unexpected(c, offset + i);
          state = State.Value;
          i++;
          continue;
        case State.Value:
          if (key === 'items') {
            if (sawItems) fail('response has more than one items member');
            if (c === LBRACKET) {
              sawItems = true;
              state = State.ItemsFirst;
              i++;
              continue;
            }
          }
          begin(c, Target.Member, offset + i);
          break;
        case State.AfterValue:
          if (c === COMMA) state = State.Key;
          else if (c === RBRACE) state = State.Done;
          else unexpected(c, offset + i);
          i++;
          continue;
        case State.ItemsFirst:
        case State.ItemsValue:
          if (c === RBRACKET && state === State.ItemsFirst) {
            state = State.AfterValue;
            i++;
            continue;
          }
          if (c === RBRACKET || c === COMMA) unexpected(c, offset + i);
          begin(c, Target.Item, offset + i);
          break;
        case State.ItemsNext:
          if (c === COMMA) state = State.ItemsValue;
          else if (c === RBRACKET) state = State.AfterValue;
          else unexpected(c, offset + i);
          i++;
          continue;
        case State.Done:
          unexpected(c, offset + i);
      }
      // A value begins at i.
      i = scan(chunk, i, i);
    }
    offset += n;
  }

  function end(): KubeList<T> {
    if (state !== State.Done) {
      fail(
        offset === 0
          ? 'body is empty: no items array'
          : `body ended after ${String(offset)} bytes, before the list was complete (truncated)`,
      );
    }
    if (!sawItems) fail('response has no items array');
    const list: KubeList<T> = { items };
    if (typeof kind === 'string') list.kind = kind;
    if (typeof apiVersion === 'string') list.apiVersion = apiVersion;
    if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
      list.metadata = metadata;
    }
    return list;
  }

  return {
    write,
    end,
    get itemCount() {
      return items.length;
    },
    get bytesRead() {
      return offset;
    },
    get windowBytes() {
      return partsBytes;
    },
    get peakWindowBytes() {
      return peak;
    },
  };
}
