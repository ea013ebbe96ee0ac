// Port of k8s.io/apimachinery/pkg/watch/streamwatcher.go with the newline framing of
// k8s.io/apimachinery/pkg/runtime/serializer/json (JSON watch events, one per line): decodes a
// chunked watch response line by line from Buffers, with backpressure, an idle timeout and typed
// errors instead of silent drops.
import type { IncomingMessage } from 'node:http';
import { AbortedError, realClock, type Clock, type KubeObject } from '@kubecache/core';
import {
  ApiStatusError,
  isStatusObject,
  WatchDecodeError,
  WatchIdleTimeoutError,
} from './errors.js';
import { startIdleTimer } from './http.js';
import type { FieldsV1Sharing } from './shared-fields.js';
import type { StringInterner } from './string-interner.js';
import type { WatchEvent, WatchStream } from './types.js';

/** Options of {@link decodeWatchStream}. */
export interface WatchStreamOptions {
  /**
   * End the watch with WatchIdleTimeoutError when no bytes arrive for this long, in ms (time the
   * socket is paused for a slow consumer does not count). 0 = never.
   */
  idleTimeoutMs: number;
  /** A line longer than this ends the watch with a WatchDecodeError, in bytes. */
  maxLineBytes: number;
  /** Pause the socket while this many decoded events wait for the consumer (resume at half). */
  highWaterMark: number;
  /** Clock for the idle timeout. Default: the real clock. */
  clock?: Clock;
  /**
   * Decodes each line through this sharing (see `createFieldsV1Sharing`): identical
   * `metadata.managedFields[].fieldsV1` values of the events' objects become one frozen object.
   * Default: none (each line is `JSON.parse`d whole).
   */
  fieldsV1Sharing?: FieldsV1Sharing | undefined;
  /**
   * Makes equal string values of the events' objects share one copy (see
   * `createStringInterner`). Default: none.
   */
  interner?: StringInterner | undefined;
  /**
   * Applied to the object of each ADDED and MODIFIED event before the interner (see
   * `WatchHooks.mapItem`) until a bookmark marks the end of a WatchList's initial events; an
   * object it swaps for another instance is not interned. Default: none.
   */
  mapObject?: ((obj: unknown) => unknown) | undefined;
}

const eventTypes: ReadonlySet<string> = new Set([
  'ADDED',
  'MODIFIED',
  'DELETED',
  'BOOKMARK',
  'ERROR',
]);
const NEWLINE = 0x0a;

/**
 * Wraps an open watch response into a {@link WatchStream} (see its contract). The response must
 * be a 2xx with a JSON body; the caller checked that.
 *
 * Decoding: chunks are split on `\n` without joining unrelated data (a line spread over several
 * chunks is concatenated once, when its end arrives); each line is decoded as strict UTF-8 and
 * parsed as one JSON event. Events decoded before a failure are delivered before the error.
 */
export function decodeWatchStream<T = KubeObject>(
  res: IncomingMessage,
  options: WatchStreamOptions,
  signal?: AbortSignal,
): WatchStream<T> {
  const clock = options.clock ?? realClock;
  const highWaterMark = Math.max(1, options.highWaterMark);
  const sharing = options.fieldsV1Sharing;
  const interner = options.interner;
  let mapObject = options.mapObject;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let queue: (WatchEvent<T> | undefined)[] = [];
  let head = 0;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let failure: Error | undefined;
  let ended = false;
  let paused = false;
  let lastRv = '';
  let wake: (() => void) | undefined;

  const idle = startIdleTimer(clock, options.idleTimeoutMs, () => {
    // A consumer that lags keeps the socket paused: that is not an idle server.
    if (paused) return false;
    finish(new WatchIdleTimeoutError(options.idleTimeoutMs, 'watch'));
    return undefined;
  });

  function notify(): void {
    const w = wake;
    wake = undefined;
    w?.();
  }

  /** Ends the stream once: releases the socket, the timer and the abort listener. */
  function finish(err?: Error, discard = false): void {
    if (ended) return;
    ended = true;
    failure = err;
    if (discard) {
      queue = [];
      head = 0;
    }
    partial = [];
    idle.cancel();
    signal?.removeEventListener('abort', onAbort);
    res.removeListener('data', onData);
    res.destroy();
    notify();
  }

  function onAbort(): void {
    finish(new AbortedError(undefined, { cause: signal?.reason }), true);
  }

  function decodeLine(buf: Buffer, start: number, end: number): void {
    // Lenient decoding is the fast one; a replacement character in its output means either
    // invalid bytes or a real U+FFFD, and only then does the strict decoder decide.
    let text = buf.toString('utf8', start, end);
    if (text.includes('\uFFFD')) {
      try {
        text = utf8.decode(buf.subarray(start, end));
      } catch (err) {
        throw new WatchDecodeError(
          'watch line is not valid UTF-8',
          lastRv,
          buf.subarray(start, Math.min(end, start + 200)).toString('latin1'),
          { cause: err },
        );
      }
    }
    // Blank lines (keep-alive newlines of some proxies) are skipped.
    if (text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim() === '')) return;
    let ev: unknown;
    try {
      ev = sharing !== undefined ? sharing.parse(text, 'event') : JSON.parse(text);
    } catch (err) {
      throw new WatchDecodeError(`watch line is not JSON: ${String(err)}`, lastRv, text, {
        cause: err,
      });
    }
    if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) {
      throw new WatchDecodeError('watch line is not a JSON object', lastRv, text);
    }
    const { type, object } = ev as { type?: unknown; object?: unknown };
    if (typeof type !== 'string' || !eventTypes.has(type)) {
      throw new WatchDecodeError(
        `unknown watch event type ${type === undefined ? '(missing)' : JSON.stringify(type)}`,
        lastRv,
        text,
      );
    }
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      throw new WatchDecodeError(`watch event ${type} has no object`, lastRv, text);
    }
    if (type === 'ERROR') {
      if (!isStatusObject(object)) {
        throw new WatchDecodeError('watch ERROR event without a Status object', lastRv, text);
      }
      throw new ApiStatusError(object);
    }
    const rv = (object as KubeObject).metadata?.resourceVersion;
    if (typeof rv === 'string' && rv !== '') lastRv = rv;
    let obj: unknown = object;
    if (mapObject !== undefined && (type === 'ADDED' || type === 'MODIFIED')) obj = mapObject(obj);
    // A WatchList's initial events end here; what follows are changes, which mapping cannot help.
    if (type === 'BOOKMARK' && isInitialEventsEnd(object)) mapObject = undefined;
    // An object swapped for an instance the consumer holds is garbage now: not interned.
    if (interner !== undefined && type !== 'BOOKMARK' && obj === object) interner(obj);
    queue.push({ type: type as WatchEvent['type'], object: obj as T });
  }

  function tooLong(): WatchDecodeError {
    const first = partial[0] ?? Buffer.alloc(0);
    return new WatchDecodeError(
      `watch line longer than ${String(options.maxLineBytes)} bytes`,
      lastRv,
      first.subarray(0, 200).toString('utf8'),
    );
  }

  function onData(chunk: Buffer): void {
    idle.touch();
    try {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, start);
        if (nl < 0) break;
        if (partial.length > 0) {
          const total = partialBytes + (nl - start);
          if (total > options.maxLineBytes) throw tooLong();
          partial.push(chunk.subarray(start, nl));
          const line = Buffer.concat(partial, total);
          partial = [];
          partialBytes = 0;
          decodeLine(line, 0, line.length);
        } else {
          if (nl - start > options.maxLineBytes) {
            partial = [chunk.subarray(start, nl)];
            throw tooLong();
          }
          decodeLine(chunk, start, nl);
        }
        start = nl + 1;
      }
      if (start < chunk.length) {
        partial.push(chunk.subarray(start));
        partialBytes += chunk.length - start;
        if (partialBytes > options.maxLineBytes) throw tooLong();
      }
    } catch (err) {
      finish(err as Error);
      return;
    }
    if (!paused && queue.length - head >= highWaterMark) {
      paused = true;
      res.pause();
    }
    notify();
  }

  function onEnd(): void {
    if (ended) return;
    if (partial.length > 0) {
      // The server closed the stream in the middle of a line (no trailing newline).
      const rest = Buffer.concat(partial, partialBytes);
      partial = [];
      try {
        decodeLine(rest, 0, rest.length);
      } catch (err) {
        finish(
          isTruncation(err)
            ? new WatchDecodeError(
                'watch stream ended in the middle of a line',
                lastRv,
                rest.subarray(0, 200).toString('utf8'),
                { cause: err },
              )
            : (err as Error),
        );
        return;
      }
    }
    finish();
  }

  res.on('data', onData);
  res.on('end', onEnd);
  // Attached for the life of the response: a late socket error must never be unhandled.
  res.on('error', (err) => finish(err));
  res.on('close', () => {
    if (!ended && !res.complete) {
      finish(
        Object.assign(new Error('watch connection closed before the response ended'), {
          code: 'ECONNRESET',
        }),
      );
    }
  });
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  function take(): WatchEvent<T> | undefined {
    if (head >= queue.length) return undefined;
    const value = queue[head];
    queue[head] = undefined;
    head++;
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head >= 1024 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (paused && !ended && queue.length - head <= highWaterMark >> 1) {
      paused = false;
      idle.touch(); // time spent paused for the consumer is not server idleness
      res.resume();
    }
    return value;
  }

  async function pull(): Promise<IteratorResult<WatchEvent<T>>> {
    for (;;) {
      const value = take();
      if (value !== undefined) return { value, done: false };
      if (ended) {
        const err = failure;
        failure = undefined;
        if (err) throw err;
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  // Calls to next() are served one after the other, even if a caller does not await in between.
  // Fast path: with no call outstanding and an event decoded, answer at once (no chaining).
  let tail: Promise<unknown> = Promise.resolve();
  let outstanding = 0;
  const settled = (): void => {
    outstanding--;
  };
  const next = (): Promise<IteratorResult<WatchEvent<T>>> => {
    if (outstanding === 0) {
      const value = take();
      if (value !== undefined) return Promise.resolve({ value, done: false });
    }
    outstanding++;
    const result = tail.then(pull);
    tail = result.then(settled, settled);
    return result;
  };
  const stop = (): void => {
    finish(undefined, true);
  };

  // Differs from client-go: watch.Interface delivers failures as ERROR events on its result
  // channel; here they are thrown from the iterator, after the events decoded before them.
  return {
    stop,
    poll: () => (outstanding === 0 ? take() : undefined),
    [Symbol.asyncIterator]() {
      return {
        next,
        return: () => {
          stop();
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}

/** A JSON.parse failure of a line the server cut short. */
function isTruncation(err: unknown): boolean {
  return err instanceof WatchDecodeError && err.cause instanceof SyntaxError;
}

/** Whether a BOOKMARK's object carries the `k8s.io/initial-events-end: "true"` annotation. */
function isInitialEventsEnd(object: object): boolean {
  const annotations = (object as KubeObject).metadata?.annotations;
  return annotations?.['k8s.io/initial-events-end'] === 'true';
}
