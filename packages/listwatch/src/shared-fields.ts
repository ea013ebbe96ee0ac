// Decodes `metadata.managedFields[].fieldsV1` about once per distinct JSON text and shares one
// frozen copy between the objects that carry the same text. The field sets of replicas of one
// template are byte-identical (the same manager set the same fields), and in a real cluster they
// are about half of a pod's JSON; client-go keeps one copy per object (its FieldsV1 is a []byte
// per pod). Here the decoders (list-decoder.ts, watch-stream.ts) hand each item's or event's JSON
// text to `parse`, which finds the fieldsV1 values by a structural scan of the text (no parse),
// cuts the ones long enough to matter out of the text, parses the rest, and puts the shared
// copies back. A duplicate is therefore never parsed at all, so the garbage of the decode falls
// too, not only the retained heap.
//
// Differs from client-go: the shared fieldsV1 objects are deep-frozen (a write into one throws a
// TypeError in strict-mode code and is ignored in sloppy code); the managedFields array and its
// entries stay per object and writable.
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

/** Options of {@link createFieldsV1Sharing}. */
export interface FieldsV1SharingOptions {
  /**
   * fieldsV1 values shorter than this, in characters of JSON, are parsed in place and not shared.
   * Default: 64.
   */
  minChars?: number;
  /**
   * Characters of JSON text kept as keys of the table of distinct fieldsV1 values (each distinct
   * text is kept once, with its frozen object). When half of it is filled by new texts, the texts
   * not seen since the previous such turn are forgotten (their objects stay with the objects
   * that use them). Default: 4 194 304 (4 Mi characters, ~4 MB).
   */
  maxTableChars?: number;
}

/**
 * The sharing state of one ListWatch: `parse` decodes JSON text like `JSON.parse`, sharing the
 * fieldsV1 subtrees (see {@link createFieldsV1Sharing}).
 */
export interface FieldsV1Sharing {
  /**
   * Parses the JSON text of one object (`root: 'object'`, a list item) or one watch event
   * (`root: 'event'`, the object under its `object` member). Throws the SyntaxError of
   * `JSON.parse(text)` for invalid JSON. The result is deep-equal to `JSON.parse(text)`.
   */
  parse(text: string, root: 'object' | 'event'): unknown;
  /** Counters since creation: fieldsV1 values taken from the table, newly added, table size. */
  readonly stats: { shared: number; added: number; entries: number; tableChars: number };
}

function skipSpace(t: string, i: number): number {
  while (i < t.length && isSpace(t.charCodeAt(i))) i++;
  return i;
}

/** `t[i]` is an opening quote: the index just past the closing quote, or -1. */
function endOfString(t: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = t.indexOf('"', from);
    if (q < 0) return -1;
    let b = q - 1;
    while (t.charCodeAt(b) === BACKSLASH) b--;
    // An even run of backslashes before the quote: it closes the string.
    if (((q - 1 - b) & 1) === 0) return q + 1;
    from = q + 1;
  }
}

/** The index just past the JSON value starting at `i`, or -1 when the text ends first. */
function endOfValue(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === QUOTE) return endOfString(t, i);
  const n = t.length;
  if (c === LBRACE || c === LBRACKET) {
    let depth = 0;
    while (i < n) {
      const d = t.charCodeAt(i);
      if (d === QUOTE) {
        i = endOfString(t, i);
        if (i < 0) return -1;
        continue;
      }
      if (d === LBRACE || d === LBRACKET) depth++;
      else if (d === RBRACE || d === RBRACKET) {
        if (--depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  while (i < n) {
    const d = t.charCodeAt(i);
    if (d === COMMA || d === RBRACE || d === RBRACKET || isSpace(d)) return i;
    i++;
  }
  return i;
}

/**
 * `t[i]` opens an object: the index of the value of its first member named `name` (written
 * without escapes), or -1. Members before it are skipped by their extent only; with `identity`,
 * the texts of the `uid`, `name` and `namespace` values among them are hashed into
 * `identity.hash`.
 */
function memberValue(t: string, i: number, name: string, identity?: { hash: number }): number {
  i = skipSpace(t, i + 1);
  while (t.charCodeAt(i) === QUOTE) {
    const keyEnd = endOfString(t, i);
    if (keyEnd < 0) return -1;
    const keyLength = keyEnd - i - 2;
    const match = keyLength === name.length && t.startsWith(name, i + 1);
    const names =
      identity !== undefined &&
      ((keyLength === 3 && t.startsWith('uid', i + 1)) ||
        (keyLength === 4 && t.startsWith('name', i + 1)) ||
        (keyLength === 9 && t.startsWith('namespace', i + 1)));
    i = skipSpace(t, keyEnd);
    if (t.charCodeAt(i) !== COLON) return -1;
    i = skipSpace(t, i + 1);
    if (match) return i;
    const valueStart = i;
    i = endOfValue(t, i);
    if (i < 0) return -1;
    if (names) {
      const from = identity.hash === noIdentity ? undefined : identity.hash;
      identity.hash = hashOf(t, valueStart, i, from);
    }
    i = skipSpace(t, i);
    if (t.charCodeAt(i) !== COMMA) return -1;
    i = skipSpace(t, i + 1);
  }
  return -1;
}

/** A fieldsV1 value found in the text: element `index` of managedFields, chars `[start, end)`. */
interface Found {
  index: number;
  start: number;
  end: number;
}

/**
 * The fieldsV1 values of `metadata.managedFields` at least `minChars` long, in order, or an
 * empty array when the text has no managedFields where a Kubernetes object has them.
 * `identity.hash` (start it at {@link noIdentity}) becomes a hash of the object's `uid`, `name`
 * and `namespace` that come before `managedFields` in `metadata`; it stays `noIdentity` if none do.
 */
function findFieldsV1(
  t: string,
  root: 'object' | 'event',
  minChars: number,
  identity: { hash: number },
): Found[] {
  const found: Found[] = [];
  let i = skipSpace(t, 0);
  if (t.charCodeAt(i) !== LBRACE) return found;
  if (root === 'event') {
    i = memberValue(t, i, 'object');
    if (i < 0 || t.charCodeAt(i) !== LBRACE) return found;
  }
  i = memberValue(t, i, 'metadata');
  if (i < 0 || t.charCodeAt(i) !== LBRACE) return found;
  i = memberValue(t, i, 'managedFields', identity);
  if (i < 0 || t.charCodeAt(i) !== LBRACKET) return found;
  i = skipSpace(t, i + 1);
  for (let index = 0; t.charCodeAt(i) === LBRACE; index++) {
    // One pass over the entry's members: the last `fieldsV1` (the one JSON.parse keeps).
    let start = -1;
    let end = -1;
    i = skipSpace(t, i + 1);
    while (t.charCodeAt(i) === QUOTE) {
      const keyEnd = endOfString(t, i);
      if (keyEnd < 0) return [];
      const isFields = keyEnd - i === 10 && t.startsWith('fieldsV1', i + 1);
      i = skipSpace(t, keyEnd);
      if (t.charCodeAt(i) !== COLON) return [];
      i = skipSpace(t, i + 1);
      const valueEnd = endOfValue(t, i);
      if (valueEnd < 0) return [];
      if (isFields) {
        start = t.charCodeAt(i) === LBRACE ? i : -1;
        end = valueEnd;
      }
      i = skipSpace(t, valueEnd);
      if (t.charCodeAt(i) !== COMMA) break;
      i = skipSpace(t, i + 1);
    }
    if (t.charCodeAt(i) !== RBRACE) return [];
    if (start >= 0 && end - start >= minChars) found.push({ index, start, end });
    i = skipSpace(t, i + 1);
    if (t.charCodeAt(i) !== COMMA) break;
    i = skipSpace(t, i + 1);
  }
  return found;
}

/** Freezes `v` and everything under it; returns it. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

/** A copy of `s` that does not keep the string it was sliced from alive. */
function ownCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** FNV-1a over the UTF-16 code units of `s[start, end)`, continuing from `h`. */
function hashOf(s: string, start = 0, end = s.length, h = 0x811c9dc5): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The identity hash of an object whose `uid`, `name` and `namespace` were not found. */
const noIdentity = 0;

/** Hashes of texts seen once kept at most (then forgotten all at once). */
const maxSeenOnce = 100_000;

interface Entry {
  text: string;
  value: object;
}

/**
 * Creates the fieldsV1 sharing of one ListWatch (see {@link FieldsV1Sharing}). Every fieldsV1
 * value of at least `minChars` characters is decoded alone (`JSON.parse` of its text) and
 * deep-frozen; when a second object carries a text (told apart by a hash of the `uid`, `name`
 * and `namespace` before `managedFields`; an object without them counts as another each time),
 * its object enters the table and is put into every later object whose text carries it, never
 * parsed again. The first object keeps its own frozen copy, and the same object seen again (a
 * relist) lets nothing in: a text carried by one object costs two 32-bit hashes, not a table
 * entry. What readers see is deep-equal to `JSON.parse(text)`; a write into a fieldsV1 throws a
 * TypeError (strict mode).
 *
 * Robustness: the scan follows the JSON structure (strings and escapes included) from the root
 * to `metadata.managedFields`; the text parsed has a `0` in place of each cut value, and the
 * result is used only if every `0` is found where the scan said (else the text is parsed whole,
 * unshared): a key spelled with escapes, a duplicate key or whitespace never misplaces a value.
 * A cut value that is not valid JSON also falls back to the whole parse, whose SyntaxError is
 * thrown.
 */
export function createFieldsV1Sharing(options: FieldsV1SharingOptions = {}): FieldsV1Sharing {
  const minChars = options.minChars ?? 64;
  const maxTableChars = options.maxTableChars ?? 4 * 1024 * 1024;
  if (!(maxTableChars > 0)) throw new RangeError('maxTableChars must be positive');
  // Two generations: texts seen since the last turn, and those of the turn before.
  let young = new Map<string, Entry>();
  let old = new Map<string, Entry>();
  let youngChars = 0;
  let oldChars = 0;
  const stats = { shared: 0, added: 0, entries: 0, tableChars: 0 };

  function remember(e: Entry): void {
    young.set(e.text, e);
    youngChars += e.text.length;
    if (youngChars * 2 > maxTableChars) {
      old = young;
      oldChars = youngChars;
      young = new Map();
      youngChars = 0;
    }
  }

  /** The shared object of this text if the table has it (kept for another turn). */
  function find(text: string): object | undefined {
    let e = young.get(text);
    if (e === undefined) {
      e = old.get(text);
      if (e === undefined) return undefined;
      old.delete(text);
      oldChars -= e.text.length;
      remember(e);
    }
    stats.shared++;
    return e.value;
  }

  // Texts seen once, by a 32-bit hash, each with the identity hash of the object it was seen in:
  // a text enters the table when a second object carries it, so the field sets that never repeat
  // in another object (a kubelet's, naming the pod's IP) cost two numbers here instead of a copy
  // of their text in the table, promoted and dropped at every turn (old-space garbage that raised
  // a relist's peak RSS and CPU). The same object seen again (a relist lists every object a second
  // time; an update that left this field set alone) does not let it in: nothing would share it.
  // A hash collision only lets a text in early, or keeps it out.
  let seenOnce = new Map<number, number>();
  /** The identity hash of the object being parsed (see findFieldsV1). */
  const current = { hash: noIdentity };

  /**
   * Deep-freezes `value`, the parse of `text`; keeps it as the shared object of that text if the
   * text was seen before in another object (or in an object of unknown identity).
   */
  function add(text: string, value: object): void {
    deepFreeze(value);
    const h = hashOf(text);
    const owner = current.hash;
    const seenIn = seenOnce.get(h);
    if (seenIn === undefined) {
      if (seenOnce.size >= maxSeenOnce) seenOnce = new Map();
      seenOnce.set(h, owner);
      return;
    }
    if (owner !== noIdentity && seenIn === owner) return;
    seenOnce.delete(h);
    remember({ text: ownCopy(text), value });
    stats.added++;
  }

  /**
   * `obj` is `JSON.parse` of the object text at `t[i]`: each of its members whose value is an
   * object of at least `minChars` characters is swapped for the table's object of that text, or
   * (new) treated the same way and added. So a field set that differs from a known one in one
   * place (a pod IP in `f:podIPs`) still shares its other parts (`f:conditions`…). Left as it
   * is when the text has a member name twice (JSON.parse kept the last one).
   */
  function shareMembers(t: string, i: number, obj: Record<string, unknown>): void {
    const big: { keyStart: number; keyEnd: number; start: number; end: number }[] = [];
    let members = 0;
    let j = skipSpace(t, i + 1);
    while (t.charCodeAt(j) === QUOTE) {
      const keyEnd = endOfString(t, j);
      if (keyEnd < 0) return;
      const keyStart = j;
      j = skipSpace(t, keyEnd);
      if (t.charCodeAt(j) !== COLON) return;
      j = skipSpace(t, j + 1);
      const end = endOfValue(t, j);
      if (end < 0) return;
      members++;
      if (t.charCodeAt(j) === LBRACE && end - j >= minChars) {
        big.push({ keyStart, keyEnd, start: j, end });
      }
      j = skipSpace(t, end);
      if (t.charCodeAt(j) !== COMMA) break;
      j = skipSpace(t, j + 1);
    }
    if (big.length === 0 || members !== Object.keys(obj).length) return;
    for (const m of big) {
      const raw = t.slice(m.keyStart + 1, m.keyEnd - 1);
      const key = raw.includes('\\') ? (JSON.parse(t.slice(m.keyStart, m.keyEnd)) as string) : raw;
      const child = obj[key];
      if (key === '__proto__' || typeof child !== 'object' || child === null) continue;
      const text = t.slice(m.start, m.end);
      const known = find(text);
      if (known !== undefined) obj[key] = known;
      else {
        shareMembers(t, m.start, child as Record<string, unknown>);
        add(text, child);
      }
    }
  }

  /** The shared object for this text, decoding it when new; undefined when it is not JSON. */
  function lookup(text: string): object | undefined {
    const known = find(text);
    if (known !== undefined) return known;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof value !== 'object' || value === null) return undefined;
    shareMembers(text, skipSpace(text, 0), value as Record<string, unknown>);
    add(text, value);
    return value;
  }

  function parse(text: string, root: 'object' | 'event'): unknown {
    current.hash = noIdentity;
    const found = findFieldsV1(text, root, minChars, current);
    if (found.length === 0) return JSON.parse(text);
    const shared: object[] = [];
    let cut = '';
    let last = 0;
    for (const f of found) {
      const value = lookup(text.slice(f.start, f.end));
      if (value === undefined) return JSON.parse(text);
      shared.push(value);
      cut += text.slice(last, f.start) + '0';
      last = f.end;
    }
    cut += text.slice(last);
    let parsed: unknown;
    try {
      parsed = JSON.parse(cut);
    } catch {
      return JSON.parse(text);
    }
    const obj = root === 'event' ? (parsed as { object?: unknown } | null)?.object : parsed;
    const entries = (obj as { metadata?: { managedFields?: unknown } } | null)?.metadata
      ?.managedFields;
    if (!Array.isArray(entries)) return JSON.parse(text);
    for (const f of found) {
      const entry: unknown = entries[f.index];
      if ((entry as { fieldsV1?: unknown } | null)?.fieldsV1 !== 0) return JSON.parse(text);
    }
    for (let k = 0; k < found.length; k++) {
      (entries[found[k]!.index] as { fieldsV1: object }).fieldsV1 = shared[k]!;
    }
    return parsed;
  }

  return {
    parse,
    get stats() {
      stats.entries = young.size + old.size;
      stats.tableChars = youngChars + oldChars;
      return { ...stats };
    },
  };
}
