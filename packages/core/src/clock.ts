import { AbortedError } from './errors.js';

/** A handle returned by {@link Clock.setTimeout}. */
export interface TimerHandle {
  /** Cancels the timer; calling it again is harmless. */
  cancel(): void;
  /**
   * Lets the process exit while only this timer is pending (Node's `Timeout.unref()`): for
   * housekeeping timers of background components. Optional: a {@link FakeClock} has nothing to
   * release, so callers write `handle.unref?.()`.
   */
  unref?(): void;
}

/**
 * Time as kubecache sees it. Every timer in the libraries goes through a Clock so tests can
 * drive timeouts, backoff and resync deterministically with {@link FakeClock}.
 *
 * Contract: `setTimeout` callbacks run asynchronously (never inside the call that scheduled them);
 * a cancelled timer never fires; timers with equal deadlines fire in scheduling order.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /**
   * Milliseconds with sub-millisecond resolution from an arbitrary origin, never going back
   * (`performance.now()`): for durations only, never for dates. Optional: a clock without it is
   * read through `now()` (read it with {@link monotonicNow}).
   */
  monotonicNow?(): number;
}

/**
 * The time to measure a duration from, in ms: the clock's `monotonicNow()` when it has one (the
 * real clock: `performance.now()`, so a 0.3 ms reconcile is 0.3 ms, not 0 or 1), else `now()`
 * (a {@link FakeClock}: durations follow `advance`). Subtract two readings of the same clock.
 */
export function monotonicNow(clock: Clock): number {
  return clock.monotonicNow !== undefined ? clock.monotonicNow() : clock.now();
}

/** The system clock, backed by `Date.now`, `performance.now` and the global timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t), unref: () => void t.unref() };
  },
};

/**
 * Resolves after `ms` on `clock`, or rejects with {@link AbortedError} as soon as `signal` aborts.
 * The timer is released either way.
 */
export function sleep(
  ms: number,
  options: { clock?: Clock; signal?: AbortSignal } = {},
): Promise<void> {
  const clock = options.clock ?? realClock;
  const signal = options.signal;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(undefined, { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(new AbortedError(undefined, { cause: signal?.reason }));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A manually advanced clock for tests (client-go's `clock/testing.FakeClock`).
 *
 * `advance(ms)` moves time forward and fires due timers in deadline order, yielding to the
 * microtask queue between timers so promise chains waiting on one timer can schedule the next.
 */
export class FakeClock implements Clock {
  #now: number;
  #timers: FakeTimer[] = [];
  #nextId = 1;

  /** @param startMs - initial time in ms since the epoch. Default: 0. */
  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return {
      cancel: () => {
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
      },
    };
  }

  /** Number of timers waiting to fire. */
  pendingTimers(): number {
    return this.#timers.length;
  }

  /** Deadlines (absolute ms) of the waiting timers, earliest first. */
  pendingDeadlines(): number[] {
    return this.#timers.map((t) => t.at).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.#earliest();
      if (next === undefined || next.at > target) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /** Advances exactly to the next timer's deadline and fires it. Returns false if none waits. */
  async fireNext(): Promise<boolean> {
    await flushMicrotasks();
    const next = this.#earliest();
    if (next === undefined) return false;
    await this.advance(next.at - this.#now);
    return true;
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers)
      if (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}
