// kubecache's own: the repeat policy of kubecache's loggers, shared by the default logger and by
// the wrapper put around a user's logger. client-go logs through klog, which prints every line;
// a controller whose reconcile fails for 3 keys every few ms would print thousands of lines a
// minute. Here each distinct cause prints its first line (with the stack), then one summary line
// per window naming the keys that failed.
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { summarizeError, type ErrorSummary } from './describe-error.js';
import {
  inspectValue,
  isErrorInstance,
  safeGet,
  truncate,
  uninspectable,
} from './inspect-value.js';
import type { LogLevel } from './logger.js';

/** Default of {@link RateLimitOptions.repeatWindowMs}: 30 s. */
export const defaultRepeatWindowMs = 30_000;

/** Default of {@link RateLimitOptions.keyFields}: the field kubecache's components name objects with. */
export const defaultKeyFields: readonly string[] = ['key'];

/** Default of {@link RateLimitOptions.maxNamedKeys}. */
export const defaultMaxNamedKeys = 5;

/** How many distinct keys a cause counts per window; beyond, the count is a lower bound. */
const maxTrackedKeys = 1000;
const maxFields = 64;
const maxTextLength = 2000;
const maxHeaderPartLength = 200;
const maxKeyLength = 256;

/** Options of the repeat policy ({@link createDefaultLogger}, {@link createRateLimitedLogger}). */
export interface RateLimitOptions {
  /**
   * The window, in ms. The first line of a cause is printed; later lines of the same cause
   * within the window are counted, and when it ends one summary line says how many there were
   * and for which keys. `0` prints every line. Default: 30 000 (30 s).
   */
  repeatWindowMs?: number;
  /** How many distinct causes are remembered; the oldest is forgotten (its count printed) first. Default: 1000. */
  maxCauses?: number;
  /** The clock of the window. Default: the real clock (its timers are `unref`'d). */
  clock?: Clock;
  /**
   * The fields that name the object a line is about; they are not part of the cause, and the
   * summary line names their values. Default: `['key']` (`key=default/a`, as the controller and
   * informer log).
   */
  keyFields?: readonly string[];
  /** How many keys a summary line names before it only counts the rest. Default: 5. */
  maxNamedKeys?: number;
}

/** One call of a logger method, read once, defensively (no getter or Proxy trap can break it). */
export interface LogCall {
  readonly level: LogLevel;
  /** A shallow copy of the fields object; `undefined` when the method was called with a string. */
  readonly fields: Readonly<Record<string, unknown>> | undefined;
  /** The `msg` argument when it was a string. */
  readonly msg: string | undefined;
  /** The message: the string argument, else `msg`, else the `msg` field, else `''`. */
  readonly text: string;
  /** The `component` field (`''` when absent). */
  readonly component: string;
  /** The `resource` field (`''` when absent). */
  readonly resource: string;
  /** The `err` (or `error`) field. */
  readonly err: unknown;
  /** {@link summarizeError} of `err`; `undefined` without one. */
  readonly summary: ErrorSummary | undefined;
  /** The values of the key fields present, as text. */
  readonly keys: readonly string[];
}

function copyFields(obj: object): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  try {
    let n = 0;
    for (const key of Object.keys(obj)) {
      if (n++ >= maxFields) {
        copy['…'] = `${Object.keys(obj).length - maxFields} more fields`;
        break;
      }
      copy[key] = safeGet(obj, key);
    }
  } catch {
    return { fields: uninspectable };
  }
  return copy;
}

function keyText(value: unknown): string {
  return typeof value === 'string'
    ? truncate(value, maxKeyLength)
    : inspectValue(value, maxKeyLength);
}

/**
 * Reads a logger call (`logger.warn(fields, msg)` or `logger.warn(msg)`) into a {@link LogCall}.
 * Never throws, whatever the arguments.
 */
export function readLogCall(
  level: LogLevel,
  objOrMsg: unknown,
  msg: unknown,
  keyFields: readonly string[] = defaultKeyFields,
): LogCall {
  const isString = typeof objOrMsg === 'string';
  // pino's `logger.error(err, msg)`: an Error given in place of the fields is the `err` field.
  const fields = isErrorInstance(objOrMsg)
    ? { err: objOrMsg }
    : !isString && typeof objOrMsg === 'object' && objOrMsg !== null
      ? copyFields(objOrMsg)
      : undefined;
  const msgText =
    msg === undefined
      ? undefined
      : typeof msg === 'string'
        ? msg
        : inspectValue(msg, maxTextLength);
  let text: string;
  if (isString) text = objOrMsg;
  else if (msgText !== undefined) text = msgText;
  else if (fields !== undefined) text = typeof fields.msg === 'string' ? fields.msg : '';
  else text = objOrMsg === undefined ? '' : inspectValue(objOrMsg, maxTextLength);
  const component = fields?.component;
  const resource = fields?.resource;
  const err = fields === undefined ? undefined : (fields.err ?? fields.error);
  const keys: string[] = [];
  if (fields !== undefined) {
    for (const name of keyFields) {
      if (fields[name] !== undefined) keys.push(keyText(fields[name]));
    }
  }
  return {
    level,
    fields,
    msg: msgText,
    text: truncate(text, maxTextLength),
    component: typeof component === 'string' ? truncate(component, maxHeaderPartLength) : '',
    resource: typeof resource === 'string' ? truncate(resource, maxHeaderPartLength) : '',
    err,
    summary: err === undefined ? undefined : summarizeError(err),
    keys,
  };
}

/**
 * The volatile parts of a message replaced, so that lines differing only by them share a cause:
 * the object's keys become `<key>`, double-quoted names `""`, UUIDs and long hex ids `#`, numbers
 * `#`.
 */
export function normalizeMessage(text: string, keys: readonly string[] = []): string {
  let t = truncate(text, 512);
  for (const key of keys) if (key.length >= 2) t = t.split(key).join('<key>');
  return t
    .replace(/"[^"\n]{0,200}"/g, '""')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '#')
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '#')
    .replace(/\d+/g, '#');
}

/**
 * The cause of a call: its level, component, resource and normalised message, and the error's
 * identity — its class name, code, reason and normalised message — or, instead of the error, a
 * string `cause` field when the caller names the cause itself. The key fields are not part of it.
 */
export function causeOf(call: LogCall): string {
  const explicit = call.fields?.cause;
  let errPart = '';
  if (typeof explicit === 'string') errPart = `=${truncate(explicit, 200)}`;
  else if (call.summary !== undefined) {
    const s = call.summary;
    errPart = `${s.name}\u0001${String(s.code ?? '')}\u0001${s.reason}\u0001${normalizeMessage(s.message, call.keys)}`;
  }
  return [
    call.level,
    call.component,
    call.resource,
    normalizeMessage(call.text, call.keys),
    errPart,
  ].join('\u0000');
}

/** What the repeat policy lets through. */
export type RateLimitEvent =
  | {
      /** A line to print as called. */
      readonly kind: 'line';
      readonly call: LogCall;
      /** True for the first line of a cause not seen before (or forgotten): print its stack. */
      readonly firstOfCause: boolean;
    }
  | {
      /** The summary of the lines of one cause held back in a window. */
      readonly kind: 'summary';
      /** The last call held back. */
      readonly call: LogCall;
      /** How many lines were held back. */
      readonly repeated: number;
      /** The first keys named by those lines (at most `maxNamedKeys`), in order of appearance. */
      readonly keys: readonly string[];
      /** How many distinct keys those lines named. */
      readonly keyCount: number;
      /** True when there were more distinct keys than counted (over 1000). */
      readonly keyCountIsLowerBound: boolean;
    };

interface CauseState {
  readonly id: string;
  windowEnd: number;
  pending: number;
  keys: Set<string>;
  keysOverflowed: boolean;
  last: LogCall | undefined;
}

// Rate limiters with held-back lines, flushed when the process exits ('exit' handlers may write
// synchronously; nothing here keeps the process alive).
const live = new Set<WeakRef<LogRateLimiter>>();
let exitHookInstalled = false;

function flushAllOnExit(): void {
  for (const ref of live) ref.deref()?.flush();
}

function register(limiter: LogRateLimiter): void {
  for (const ref of live) if (ref.deref() === undefined) live.delete(ref);
  live.add(new WeakRef(limiter));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  try {
    if (typeof process !== 'undefined' && typeof process.on === 'function') {
      process.on('exit', flushAllOnExit);
    }
  } catch {
    // Not in Node: flush() must be called explicitly.
  }
}

/**
 * The repeat policy: decides, call by call, what is printed now and what is summarised later.
 * Holds at most `maxCauses` causes and 1000 keys per cause. Used by {@link createDefaultLogger}
 * and {@link createRateLimitedLogger}; `emit` formats and writes.
 */
export class LogRateLimiter {
  readonly #emit: (event: RateLimitEvent) => void;
  readonly #windowMs: number;
  readonly #maxCauses: number;
  readonly #maxNamedKeys: number;
  readonly #clock: Clock;
  readonly #causes = new Map<string, CauseState>();
  readonly #pending = new Set<CauseState>();
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #registered = false;

  constructor(emit: (event: RateLimitEvent) => void, options: RateLimitOptions = {}) {
    this.#emit = emit;
    const w = options.repeatWindowMs ?? defaultRepeatWindowMs;
    this.#windowMs = Number.isFinite(w) && w > 0 ? w : 0;
    const m = options.maxCauses ?? 1000;
    this.#maxCauses = Number.isFinite(m) ? Math.max(1, Math.floor(m)) : 1000;
    const k = options.maxNamedKeys ?? defaultMaxNamedKeys;
    this.#maxNamedKeys = Number.isFinite(k) ? Math.max(0, Math.floor(k)) : defaultMaxNamedKeys;
    this.#clock = options.clock ?? realClock;
  }

  /** Applies the policy to one call. Never throws. */
  submit(call: LogCall): void {
    try {
      this.#submit(call);
    } catch {
      // Logging must never break the caller.
    }
  }

  /** Prints now the summary of every cause with held-back lines. Never throws. */
  flush(): void {
    try {
      const now = this.#clock.now();
      for (const state of [...this.#pending]) this.#summarize(state, now);
      this.#disarm();
    } catch {
      // Logging must never break the caller.
    }
  }

  #submit(call: LogCall): void {
    const id = causeOf(call);
    const now = this.#clock.now();
    const state = this.#causes.get(id);
    if (state === undefined || this.#windowMs === 0) {
      if (state !== undefined) {
        this.#send({ kind: 'line', call, firstOfCause: false }); // window 0: every line
        return;
      }
      this.#remember({
        id,
        windowEnd: now + this.#windowMs,
        pending: 0,
        keys: new Set(),
        keysOverflowed: false,
        last: undefined,
      });
      this.#send({ kind: 'line', call, firstOfCause: true });
      return;
    }
    if (now < state.windowEnd) {
      this.#hold(state, call);
      return;
    }
    if (state.pending > 0) {
      // The window ended but its timer has not run yet: this line joins the summary.
      this.#hold(state, call);
      this.#summarize(state, now);
      return;
    }
    state.windowEnd = now + this.#windowMs;
    this.#causes.delete(id); // re-inserted: the Map stays in least-recently-printed order
    this.#causes.set(id, state);
    this.#send({ kind: 'line', call, firstOfCause: false });
  }

  #remember(state: CauseState): void {
    this.#causes.set(state.id, state);
    while (this.#causes.size > this.#maxCauses) {
      const oldest = this.#causes.values().next().value;
      if (oldest === undefined) break;
      if (oldest.pending > 0) this.#summarize(oldest, this.#clock.now());
      this.#causes.delete(oldest.id);
    }
  }

  #hold(state: CauseState, call: LogCall): void {
    state.pending++;
    state.last = call;
    for (const key of call.keys) {
      if (state.keys.has(key)) continue;
      if (state.keys.size < maxTrackedKeys) state.keys.add(key);
      else state.keysOverflowed = true;
    }
    if (!this.#pending.has(state)) {
      this.#pending.add(state);
      if (!this.#registered) {
        this.#registered = true;
        register(this);
      }
    }
    if (state.windowEnd < this.#timerAt) this.#arm(state.windowEnd);
  }

  #summarize(state: CauseState, now: number): void {
    this.#pending.delete(state);
    const call = state.last;
    const repeated = state.pending;
    const keys = [...state.keys];
    const overflowed = state.keysOverflowed;
    state.pending = 0;
    state.last = undefined;
    state.keys = new Set();
    state.keysOverflowed = false;
    state.windowEnd = now + this.#windowMs;
    if (call === undefined || repeated === 0) return;
    this.#send({
      kind: 'summary',
      call,
      repeated,
      keys: keys.slice(0, this.#maxNamedKeys),
      keyCount: keys.length,
      keyCountIsLowerBound: overflowed,
    });
  }

  #send(event: RateLimitEvent): void {
    try {
      this.#emit(event);
    } catch {
      // A failing output must not stop the policy.
    }
  }

  #arm(at: number): void {
    this.#disarm();
    this.#timerAt = at;
    const delay = Math.max(0, at - this.#clock.now());
    const fire = (): void => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      try {
        const now = this.#clock.now();
        let next = Infinity;
        for (const state of [...this.#pending]) {
          if (state.windowEnd <= now) this.#summarize(state, now);
          else next = Math.min(next, state.windowEnd);
        }
        if (next !== Infinity) this.#arm(next);
      } catch {
        // Logging must never break the process.
      }
    };
    if (this.#clock === realClock) {
      const t = setTimeout(fire, delay);
      // A pending count never keeps the process alive (it is flushed on exit).
      (t as { unref?: () => void }).unref?.();
      this.#timer = { cancel: () => clearTimeout(t) };
    } else {
      this.#timer = this.#clock.setTimeout(fire, delay);
    }
  }

  #disarm(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }
}
