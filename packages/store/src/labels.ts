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
  | { key: string; op: 'gt' | 'lt'; value: number }
  | { key: string; op: 'exists' | '!exists' };

/**
 * A parsed label selector (apimachinery `labels.Selector`).
 *
 * Contract: every requirement must hold (AND). An empty selector matches everything. A missing
 * label satisfies `!=`, `notin` and `!exists` and fails every other operator. `gt`/`lt` compare
 * integers and never match a label value that is not an integer. Selectors are immutable.
 */
export interface LabelSelector {
  /** The requirements, in the order written. */
  readonly requirements: readonly Requirement[];
  /** True when `labels` satisfy every requirement. `undefined` labels are treated as none. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True for a selector without requirements. */
  empty(): boolean;
  /** The canonical string form: requirements sorted by key, set values sorted. */
  toString(): string;
}

const intPattern = /^[+-]?\d+$/;

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
    case 'gt':
    case 'lt': {
      // A missing label or a non-integer label value never matches a numeric comparison.
      if (v === undefined || !intPattern.test(v)) return false;
      const n = Number(v);
      return r.op === 'gt' ? n > r.value : n < r.value;
    }
  }
}

function reqString(r: Requirement): string {
  switch (r.op) {
    case '=':
    case '!=':
      return `${r.key}${r.op}${r.value}`;
    case 'gt':
      return `${r.key}>${String(r.value)}`;
    case 'lt':
      return `${r.key}<${String(r.value)}`;
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
    // Canonical form: requirements sorted by key (stable), values of a set sorted.
    toString: () =>
      [...requirements]
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .map(reqString)
        .join(','),
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

const labelNamePattern = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why `key` is not a valid label key (a Kubernetes qualified name: an optional DNS-subdomain
 * prefix of at most 253 characters and `/`, then a name of at most 63 characters made of
 * alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric), or `undefined` if it is.
 */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a label key has at most one "/"';
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') return 'a label key prefix must not be empty';
    if (prefix.length > 253) return 'a label key prefix must be at most 253 characters';
    if (!dnsSubdomainPattern.test(prefix)) {
      return 'a label key prefix must be a lowercase DNS subdomain';
    }
  }
  if (name === '') return 'a label key name must not be empty';
  if (name.length > 63) return 'a label key name must be at most 63 characters';
  if (!labelNamePattern.test(name)) {
    return "a label key name must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric";
  }
  return undefined;
}

/**
 * Why `value` is not a valid label value (empty, or at most 63 characters of alphanumerics, `-`,
 * `_` and `.` starting and ending alphanumeric), or `undefined` if it is.
 */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'a label value must be at most 63 characters';
  if (!labelNamePattern.test(value)) {
    return "a label value must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric";
  }
  return undefined;
}

/** Characters that end an identifier, as in apimachinery's selector lexer. */
const specialChars = new Set(['!', '(', ')', ',', '=', '<', '>', ' ', '\t', '\n', '\r']);

/**
 * Parses a label selector: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * `a>5`, `a<5`, comma-separated (AND). Keys and values are validated like Kubernetes label keys
 * and values. Throws {@link SelectorParseError} with the position of the problem.
 */
export function parseSelector(text: string): LabelSelector {
  let i = 0;
  const n = text.length;
  const reqs: Requirement[] = [];
  const ws = (): void => {
    while (i < n && /\s/.test(text[i] ?? '')) i++;
  };
  const ident = (): string => {
    const start = i;
    while (i < n && !specialChars.has(text[i] ?? '')) i++;
    return text.slice(start, i);
  };
  const key = (): string => {
    const pos = i;
    const k = ident();
    if (k === '') {
      const found = i < n ? JSON.stringify(text[i]) : 'end of input';
      throw new SelectorParseError(`expected a label key, found ${found}`, text, pos);
    }
    const problem = labelKeyProblem(k);
    if (problem !== undefined) {
      throw new SelectorParseError(`invalid label key ${JSON.stringify(k)}: ${problem}`, text, pos);
    }
    return k;
  };
  const value = (): string => {
    const pos = i;
    const v = ident();
    const problem = labelValueProblem(v);
    if (problem !== undefined) {
      throw new SelectorParseError(
        `invalid label value ${JSON.stringify(v)}: ${problem}`,
        text,
        pos,
      );
    }
    return v;
  };
  ws();
  if (i === n) return everything();
  for (;;) {
    ws();
    if (text[i] === '!') {
      i++;
      ws();
      reqs.push({ key: key(), op: '!exists' });
    } else {
      const k = key();
      ws();
      if (i >= n || text[i] === ',') {
        reqs.push({ key: k, op: 'exists' });
      } else if (text.startsWith('==', i) || text.startsWith('!=', i) || text[i] === '=') {
        const op = text.startsWith('!=', i) ? '!=' : '=';
        i += text.startsWith('==', i) || text.startsWith('!=', i) ? 2 : 1;
        ws();
        reqs.push({ key: k, op, value: value() });
      } else if (text[i] === '>' || text[i] === '<') {
        const op = text[i] === '>' ? 'gt' : 'lt';
        i++;
        ws();
        const pos = i;
        const v = ident();
        if (!intPattern.test(v) || !Number.isSafeInteger(Number(v))) {
          throw new SelectorParseError(
            `expected an integer after ${op === 'gt' ? "'>'" : "'<'"}, found ${JSON.stringify(v)}`,
            text,
            pos,
          );
        }
        reqs.push({ key: k, op, value: Number(v) });
      } else {
        const opPos = i;
        const op = ident();
        if (op !== 'in' && op !== 'notin') {
          throw new SelectorParseError(
            `expected an operator (=, ==, !=, in, notin, >, <), found ${JSON.stringify(op || text[i])}`,
            text,
            opPos,
          );
        }
        ws();
        if (text[i] !== '(') throw new SelectorParseError("expected '('", text, i);
        i++;
        const values = new Set<string>();
        // As in apimachinery, `()` is the set holding the empty value: `app in ()` means app=''.
        for (;;) {
          ws();
          values.add(value());
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
        reqs.push({ key: k, op, values });
      }
    }
    ws();
    if (i >= n) break;
    if (text[i] !== ',') throw new SelectorParseError("expected ','", text, i);
    i++;
  }
  return makeSelector(reqs);
}
