// Test support: a deterministic simulation of replicas electing a leader over a shared store —
// a network on the FakeClock (latency, partitions that fail or stall, 409 storms, server
// restarts), drifting per-replica clocks, and a checker of "never two leaders at once".
import {
  AbortedError,
  toError,
  type Clock,
  type FakeClock,
  type Logger,
  type TimerHandle,
} from '@kubecache/core';
import { ApiStatusError } from '@kubecache/listwatch';
import type { MemoryTransport } from '../memory-lock.js';

/**
 * A replica's clock: `offsetMs` away from the shared clock (arbitrary skew) and running at `rate`
 * times its speed (drift). Timers fire when the replica's own clock reaches their deadline.
 */
export class DriftClock implements Clock {
  readonly #base: FakeClock;
  readonly #t0: number;
  readonly #offsetMs: number;
  readonly #rate: number;
  /** While true, timers are held back (a starved event loop); `now()` still moves. */
  frozen = false;
  readonly #held: { fn: () => void; localAt: number; cancelled: boolean }[] = [];

  constructor(base: FakeClock, offsetMs: number, rate: number) {
    this.#base = base;
    this.#t0 = base.now();
    this.#offsetMs = offsetMs;
    this.#rate = rate;
  }

  now(): number {
    return this.#t0 + this.#offsetMs + (this.#base.now() - this.#t0) * this.#rate;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const entry = { fn, localAt: this.now() + Math.max(0, ms), cancelled: false };
    const handle = this.#base.setTimeout(
      () => {
        if (this.frozen) this.#held.push(entry);
        else fn();
      },
      Math.ceil(Math.max(0, ms) / this.#rate),
    );
    return {
      cancel: () => {
        entry.cancelled = true;
        handle.cancel();
      },
    };
  }

  /** Ends a freeze: held timers fire now, in deadline order. */
  thaw(): void {
    this.frozen = false;
    const held = this.#held.splice(0).sort((a, b) => a.localAt - b.localAt);
    for (const h of held) if (!h.cancelled) h.fn();
  }
}

/** How a replica's link to the server behaves. */
export type LinkMode = 'ok' | 'fail' | 'stall';

/** The simulated network and server faults shared by every replica. */
export class SimNetwork {
  readonly #clock: FakeClock;
  readonly #links = new Map<string, LinkMode>();
  /** Latency of each direction, in ms (shared clock). */
  latencyMs = 5;
  /** While true every request fails with ECONNREFUSED (the store keeps its data, like etcd). */
  serverDown = false;
  /** The next this-many writes answer 409 Conflict without being applied. */
  conflictsLeft = 0;
  /** Per replica: latency of answers only, in ms (requests still take `latencyMs`). */
  readonly slowAnswers = new Map<string, number>();
  /** The next this-many writes are applied, but their answers are lost (the request hangs). */
  loseAnswersLeft = 0;
  /** Processes (see `transport`) that crashed: their requests and answers go nowhere. */
  readonly crashed = new Set<string>();
  /** Called on the server side after a write of `identity` was applied. */
  onApplied: ((identity: string, op: string) => void) | undefined;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  /** Sets the link of one replica. */
  setLink(identity: string, mode: LinkMode): void {
    this.#links.set(identity, mode);
  }

  link(identity: string): LinkMode {
    return this.#links.get(identity) ?? 'ok';
  }

  /**
   * A {@link MemoryTransport} for one replica over this network; `process` names the process (a
   * restarted replica is a new process with the same identity) for {@link SimNetwork.crashed}.
   */
  transport(identity: string, process = identity): MemoryTransport {
    const clock = this.#clock;
    return <T>(op: string, apply: () => T, signal: AbortSignal): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        if (signal.aborted) {
          reject(new AbortedError(undefined, { cause: signal.reason }));
          return;
        }
        let settled = false;
        const timers: TimerHandle[] = [];
        const finish = (fn: () => void): void => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          for (const t of timers) t.cancel();
          fn();
        };
        const onAbort = (): void =>
          finish(() => reject(new AbortedError(undefined, { cause: signal.reason })));
        signal.addEventListener('abort', onAbort, { once: true });
        const refused = (): Error =>
          Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
        const mode = this.link(identity);
        if (mode === 'stall' || this.crashed.has(process)) return; // nothing comes back until the caller gives up
        if (mode === 'fail' || this.serverDown) {
          timers.push(clock.setTimeout(() => finish(() => reject(refused())), 1));
          return;
        }
        timers.push(
          clock.setTimeout(() => {
            // The server side: applied whether or not the caller still waits.
            if (this.serverDown) {
              finish(() => reject(refused()));
              return;
            }
            let outcome: { ok: true; value: T } | { ok: false; err: unknown };
            if (op !== 'get' && this.conflictsLeft > 0) {
              this.conflictsLeft--;
              outcome = {
                ok: false,
                err: new ApiStatusError({
                  kind: 'Status',
                  code: 409,
                  reason: 'Conflict',
                  message: 'injected conflict',
                }),
              };
            } else {
              try {
                outcome = { ok: true, value: apply() };
                if (op !== 'get') this.onApplied?.(identity, op);
              } catch (err) {
                outcome = { ok: false, err };
              }
            }
            if (op !== 'get' && outcome.ok && this.loseAnswersLeft > 0) {
              this.loseAnswersLeft--;
              return; // applied; the answer is lost and the caller waits until it gives up
            }
            timers.push(
              clock.setTimeout(
                () => {
                  const now = this.link(identity);
                  if (now === 'stall' || this.crashed.has(process)) return; // the answer is lost
                  if (now === 'fail') {
                    finish(() =>
                      reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
                    );
                    return;
                  }
                  finish(() =>
                    outcome.ok ? resolve(outcome.value) : reject(toError(outcome.err)),
                  );
                },
                this.slowAnswers.get(identity) ?? this.latencyMs,
              ),
            );
          }, this.latencyMs),
        );
      });
  }
}

/** A violation of the single-leader invariant. */
export interface Violation {
  /** Shared-clock time. */
  at: number;
  /** Replicas acting as leader at that moment. */
  leaders: string[];
}

/**
 * Watches who acts as leader, on the shared clock. `lead(id, signal)` is what each replica's
 * `onStartedLeading` calls: the replica acts as leader from then until `signal` aborts.
 */
export class LeadershipChecker {
  readonly #clock: Clock;
  readonly active = new Set<string>();
  readonly violations: Violation[] = [];
  /** Every term: who, and when it started and ended (shared clock; `end` undefined while open). */
  readonly terms: { id: string; start: number; end: number | undefined }[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Use as `onStartedLeading: (s) => checker.lead(id, s)`. */
  lead(id: string, signal: AbortSignal): Promise<void> {
    if (this.active.has(id)) {
      this.violations.push({ at: this.#clock.now(), leaders: [id, id] });
    }
    this.active.add(id);
    if (this.active.size > 1)
      this.violations.push({ at: this.#clock.now(), leaders: [...this.active] });
    const term = { id, start: this.#clock.now(), end: undefined as number | undefined };
    this.terms.push(term);
    return new Promise<void>((resolve) => {
      const stop = (): void => {
        this.active.delete(id);
        term.end = this.#clock.now();
        resolve();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  }
}

/** One captured log line. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps every line. */
export function captureLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at =
    (level: LogLine['level']) =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === 'string') lines.push({ level, msg: obj, fields: {} });
      else lines.push({ level, msg: msg ?? '', fields: obj as Record<string, unknown> });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A small seeded PRNG (mulberry32), for reproducible jitter. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
