// kubecache's own: the compact stack printed under the first log line of a failure. Node prints
// every frame of an error; a log line wants where it was thrown and the caller's own frames, not
// the twenty frames of node:internal and node_modules around them.
import { summarizeError, maxCauseDepth, type ErrorSummary } from './describe-error.js';
import { inspectValue, isErrorInstance, safeGet, truncate } from './inspect-value.js';
import { redact } from './redact.js';

/** Options of {@link formatErrorStack}. */
export interface ErrorStackOptions {
  /** Frames kept per error of the chain; the rest are counted. Default: 8. */
  maxFrames?: number;
  /** The longest result, in characters. Default: 4000. */
  maxLength?: number;
}

const maxStackScanned = 20_000;
const maxStackLineLength = 300;

/** A frame in a dependency or in Node itself: `node_modules/`, `node:internal`, `node:…`. */
function isLibraryFrame(frame: string): boolean {
  return /[/\\]node_modules[/\\]|\(node:|\bat node:|\bnode:internal\b/.test(frame);
}

function errorHeader(e: unknown): string {
  const name = safeGet(e, 'name');
  const message = safeGet(e, 'message');
  const n = typeof name === 'string' && name !== '' ? truncate(name, 64) : 'Error';
  if (typeof message !== 'string') return n;
  const flat = truncate(message, 1000).replace(/\s*[\r\n]+\s*/g, ' ');
  return flat === '' ? n : `${n}: ${flat}`;
}

function framesOf(stack: string, maxFrames: number): string[] {
  const frames = truncate(stack, maxStackScanned)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at '));
  const kept: string[] = [];
  let omitted = 0;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    // The throwing frame is always kept; after it, only the caller's own frames.
    if (i === 0 || (!isLibraryFrame(frame) && kept.length < maxFrames)) kept.push(frame);
    else omitted++;
  }
  if (omitted > 0)
    kept.push(
      `… ${omitted} more ${omitted === 1 ? 'frame' : 'frames'} (node_modules, node:internal or over ${maxFrames})`,
    );
  return kept;
}

// The `:line:column` of a frame; a file named like `secrets.ts` or `token-cache.js` followed by it
// would otherwise read as a secret key and its value.
const frameLocation = /(:\d+:\d+\)?)$/;

/** Redacts a stack line, leaving the location of a frame as it is. */
function redactLine(line: string): string {
  const location = /^\s*at /.test(line) ? frameLocation.exec(line) : null;
  if (location === null) return redact(line);
  return redact(line.slice(0, location.index)) + location[1]!;
}

/**
 * The stack of an error and of its `cause` chain (up to four errors; cycles stop it), compactly:
 *
 * ```
 *   TypeError: Cannot read properties of undefined (reading 'spec')
 *     at reconcile (/app/src/reconciler.ts:42:17)
 *     … 6 more frames (node_modules, node:internal or over 8)
 *   caused by Error: socket closed
 *     at …
 * ```
 *
 * The frame where each error was thrown is kept, then up to `maxFrames` frames outside
 * `node_modules` and Node's internals; the others are counted. Every line is redacted with
 * {@link redact} and cut at 300 characters; the whole at `maxLength`.
 *
 * @param err - anything; values without a string `stack` contribute only their header.
 * @param options - frame and length limits.
 * @returns the lines, joined with `\n`, without a trailing newline; `''` when no error of the
 * chain has a stack. Never throws.
 */
export function formatErrorStack(err: unknown, options: ErrorStackOptions = {}): string {
  try {
    const maxFrames = Math.max(0, options.maxFrames ?? 8);
    const maxLength = Math.max(16, options.maxLength ?? 4000);
    const lines: string[] = [];
    let anyStack = false;
    const seen = new Set<unknown>();
    let current: unknown = err;
    for (
      let depth = 0;
      depth < maxCauseDepth && current !== undefined && current !== null;
      depth++
    ) {
      if (seen.has(current)) break;
      seen.add(current);
      const isObject = typeof current === 'object';
      const stack = isObject ? safeGet(current, 'stack') : undefined;
      const header = isObject ? errorHeader(current) : inspectValue(current, 200);
      lines.push(`  ${depth === 0 ? '' : 'caused by '}${header}`);
      if (typeof stack === 'string') {
        anyStack = true;
        for (const frame of framesOf(stack, maxFrames)) lines.push(`    ${frame}`);
      }
      current = isObject ? safeGet(current, 'cause') : undefined;
    }
    if (!anyStack) return '';
    const text = lines
      .map((l) => truncate(redactLine(truncate(l, 2 * maxStackLineLength)), maxStackLineLength))
      .join('\n');
    return truncate(text, maxLength);
  } catch {
    return '';
  }
}

/** True when a kubecache package made this error (it carries a `Symbol.for('@kubecache/…')` brand). */
function isKubecacheError(e: unknown): boolean {
  try {
    return Object.getOwnPropertySymbols(e).some((s) =>
      (Symbol.keyFor(s) ?? '').startsWith('@kubecache/'),
    );
  } catch {
    return false;
  }
}

/**
 * Whether a log line about `err` deserves its stack (the default logger's `stacks: 'auto'`): yes
 * when the failure comes from code — no error of the chain has an HTTP status or a system error
 * code (`ECONNREFUSED`), and one of them is an Error with a stack that kubecache did not make
 * (a `TypeError` in a reconcile, a handler's throw, an Error a transform threw) and is not an
 * abort. An API error, a network error or one of kubecache's own errors is fully described by
 * its line.
 *
 * @param err - the `err` field of the line.
 * @param summary - {@link summarizeError} of it, if already computed.
 * @returns true to print the stack. Never throws.
 */
export function stackIsUseful(err: unknown, summary?: ErrorSummary): boolean {
  try {
    const s = summary ?? summarizeError(err);
    if (s.code !== undefined) return false;
    const seen = new Set<unknown>();
    let current: unknown = err;
    for (
      let depth = 0;
      depth < maxCauseDepth && typeof current === 'object' && current !== null;
      depth++
    ) {
      if (seen.has(current)) break;
      seen.add(current);
      const name = safeGet(current, 'name');
      if (name === 'AbortError' || name === 'AbortedError' || name === 'TimeoutError') return false;
      if (
        typeof safeGet(current, 'stack') === 'string' &&
        isErrorInstance(current) &&
        !isKubecacheError(current)
      ) {
        return true;
      }
      current = safeGet(current, 'cause');
    }
    return false;
  } catch {
    return false;
  }
}
