// Port of k8s.io/apimachinery/pkg/labels/selector.go (label selector parsing and matching).
import { hasBrand } from '@kubecache/core';

const parseErrorBrand = Symbol.for('@kubecache/store/SelectorParseError');

/** A label selector string could not be parsed; `position` is the offending character offset. */
export class SelectorParseError extends Error {
  override readonly name = 'SelectorParseError';
  readonly [parseErrorBrand] = true;
  /** The selector text. */
  readonly selector: string;
  /** Zero-based offset of the problem. */
  readonly position: number;
  constructor(message: string, selector: string, position: number) {
    super(`${message} at position ${position} in ${JSON.stringify(selector)}`);
    this.selector = selector;
    this.position = position;
  }
}

/** Type guard for {@link SelectorParseError}. */
export function isSelectorParseError(err: unknown): err is SelectorParseError {
  return hasBrand(err, parseErrorBrand);
}

/** One requirement of a selector. */
export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: ReadonlySet<string> }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'exists' | '!exists' };

/** A parsed label selector: all requirements must hold (AND). */
export interface LabelSelector {
  /** The requirements, in the order written. */
  readonly requirements: readonly Requirement[];
  /** True when `labels` satisfy every requirement. An empty selector matches everything. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True for a selector without requirements. */
  empty(): boolean;
  /** The canonical string form. */
  toString(): string;
}

function matchOne(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.op) {
    case '=':
      return has && v === r.value;
    case '!=':
      return !has || v !== r.value;
    case 'in':
      return has && v !== undefined && r.values.has(v);
    case 'notin':
      return !has || v === undefined || !r.values.has(v);
    case 'exists':
      return has;
    case '!exists':
      return !has;
  }
}

function reqString(r: Requirement): string {
  switch (r.op) {
    case '=':
    case '!=':
      return `${r.key}${r.op}${r.value}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.op} (${[...r.values].sort().join(',')})`;
    case 'exists':
      return r.key;
    case '!exists':
      return `!${r.key}`;
  }
}

function makeSelector(requirements: Requirement[]): LabelSelector {
  return {
    requirements,
    matches(labels) {
      const l = labels ?? {};
      for (const r of requirements) if (!matchOne(r, l)) return false;
      return true;
    },
    empty: () => requirements.length === 0,
    toString: () => requirements.map(reqString).join(','),
  };
}

/** A selector that matches every object. */
export function everything(): LabelSelector {
  return makeSelector([]);
}

/** A selector requiring each `key=value` of `set`. */
export function labelSelectorFromSet(set: Readonly<Record<string, string>>): LabelSelector {
  return makeSelector(Object.entries(set).map(([key, value]) => ({ key, op: '=', value })));
}

const keyChar = /[A-Za-z0-9_.\-/]/;
const valueChar = /[A-Za-z0-9_.-]/;

/**
 * Parses a label selector: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * comma-separated (AND). Throws {@link SelectorParseError} with the position of the problem.
 */
export function parseSelector(text: string): LabelSelector {
  let i = 0;
  const n = text.length;
  const reqs: Requirement[] = [];
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const word = (re: RegExp): string => {
    const start = i;
    while (i < n && re.test(text[i] ?? '')) i++;
    return text.slice(start, i);
  };
  ws();
  if (i === n) return everything();
  for (;;) {
    ws();
    let negate = false;
    if (text[i] === '!') {
      negate = true;
      i++;
      ws();
    }
    const keyPos = i;
    const key = word(keyChar);
    if (key === '') throw new SelectorParseError('expected a label key', text, keyPos);
    ws();
    if (negate) {
      reqs.push({ key, op: '!exists' });
    } else if (i >= n || text[i] === ',') {
      reqs.push({ key, op: 'exists' });
    } else if (text.startsWith('==', i) || text.startsWith('!=', i) || text[i] === '=') {
      const op = text.startsWith('!=', i) ? '!=' : '=';
      i += text.startsWith('==', i) || text.startsWith('!=', i) ? 2 : 1;
      ws();
      const value = word(valueChar);
      reqs.push({ key, op, value });
    } else {
      const opPos = i;
      const op = word(/[a-z]/);
      if (op !== 'in' && op !== 'notin') {
        throw new SelectorParseError(
          `expected an operator (=, ==, !=, in, notin), found ${JSON.stringify(op || text[i])}`,
          text,
          opPos,
        );
      }
      ws();
      if (text[i] !== '(') throw new SelectorParseError("expected '('", text, i);
      i++;
      const values = new Set<string>();
      for (;;) {
        ws();
        values.add(word(valueChar));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ')') {
          i++;
          break;
        }
        throw new SelectorParseError("expected ',' or ')'", text, i);
      }
      reqs.push({ key, op, values });
    }
    ws();
    if (i >= n) break;
    if (text[i] !== ',') throw new SelectorParseError("expected ','", text, i);
    i++;
  }
  return makeSelector(reqs);
}
