// The streaming watch decoder (apimachinery pkg/watch + the JSON framer of
// k8s.io/apimachinery/pkg/runtime/serializer/streaming): newline-delimited JSON over a chunked
// response, decoded line by line without ever building the whole body, with backpressure, an idle
// timeout and typed errors.
import type { IncomingMessage } from 'node:http';
import {
  realClock,
  type Clock,
  type KubeObject,
  type Status,
  type TimerHandle,
} from '@kubecache/core';
import { ApiStatusError, WatchDecodeError, WatchIdleTimeoutError } from './errors.js';
import type { WatchEvent, WatchStream } from './types.js';

/** Options of {@link decodeWatchStream}. */
export interface WatchStreamOptions {
  /** End the watch with WatchIdleTimeoutError when no bytes arrive for this long, in ms. 0 = never. */
  idleTimeoutMs: number;
  /** Lines longer than this end the watch with a WatchDecodeError, in bytes. */
  maxLineBytes: number;
  /** Pause the socket when this many decoded events wait for the consumer. */
  highWaterMark: number;
  /** Clock for the idle timeout. */
  clock?: Clock;
}

const eventTypes = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);
const NEWLINE = 10;

function isStatus(o: unknown): o is Status {
  return (
    typeof o === 'object' &&
    o !== null &&
    ((o as Status).kind === 'Status' || typeof (o as Status).code === 'number')
  );
}

/**
 * Wraps an open watch response into a {@link WatchStream}. The stream ends normally when the
 * server ends the response; it fails with a typed error otherwise (see the WatchStream contract).
 */
export function decodeWatchStream<T = KubeObject>(
  res: IncomingMessage,
  options: WatchStreamOptions,
  signal?: AbortSignal,
): WatchStream<T> {
  const clock = options.clock ?? realClock;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const buffer: WatchEvent<T>[] = [];
  let head = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let failure: Error | undefined;
  let ended = false;
  let paused = false;
  let lastRv = '';
  let lastDataAt = clock.now();
  let idleTimer: TimerHandle | undefined;
  let wake: (() => void) | undefined;

  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const finish = (err?: Error): void => {
    if (ended) return;
    ended = true;
    if (err && !failure) failure = err;
    idleTimer?.cancel();
    signal?.removeEventListener('abort', onAbort);
    res.removeListener('data', onData);
    res.destroy();
    notify();
  };

  const onAbort = (): void => finish();

  const decodeLine = (bytes: Buffer): void => {
    if (bytes.length === 0) return;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (err) {
      throw new WatchDecodeError(
        'watch line is not valid UTF-8',
        lastRv,
        bytes.toString('latin1'),
        { cause: err },
      );
    }
    if (text.trim() === '') return;
    let ev: unknown;
    try {
      ev = JSON.parse(text);
    } catch (err) {
      throw new WatchDecodeError(`watch line is not JSON: ${String(err)}`, lastRv, text, {
        cause: err,
      });
    }
    const type = (ev as { type?: unknown } | null)?.type;
    const object = (ev as { object?: unknown } | null)?.object;
    if (typeof type !== 'string' || !eventTypes.has(type)) {
      throw new WatchDecodeError(`unknown watch event type ${JSON.stringify(type)}`, lastRv, text);
    }
    if (typeof object !== 'object' || object === null) {
      throw new WatchDecodeError(`watch event ${type} has no object`, lastRv, text);
    }
    if (type === 'ERROR') {
      if (!isStatus(object))
        throw new WatchDecodeError('watch ERROR event without a Status object', lastRv, text);
      throw new ApiStatusError(object);
    }
    const rv = (object as KubeObject).metadata?.resourceVersion;
    if (typeof rv === 'string') lastRv = rv;
    buffer.push({ type: type as WatchEvent['type'], object: object as T });
  };

  function onData(chunk: Buffer): void {
    lastDataAt = clock.now();
    try {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, start);
        if (nl < 0) break;
        if (pending.length > 0) {
          pending.push(chunk.subarray(start, nl));
          const line = Buffer.concat(pending);
          pending = [];
          pendingBytes = 0;
          decodeLine(line);
        } else {
          decodeLine(chunk.subarray(start, nl));
        }
        start = nl + 1;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        if (pendingBytes > options.maxLineBytes) {
          throw new WatchDecodeError(
            `watch line longer than ${options.maxLineBytes} bytes`,
            lastRv,
            pending[0]!.subarray(0, 200).toString('utf8'),
          );
        }
      }
    } catch (err) {
      finish(err as Error);
      return;
    }
    if (buffer.length - head >= options.highWaterMark && !paused) {
      paused = true;
      res.pause();
    }
    notify();
  }

  const armIdle = (): void => {
    if (options.idleTimeoutMs <= 0 || ended) return;
    const due = lastDataAt + options.idleTimeoutMs - clock.now();
    idleTimer = clock.setTimeout(
      () => {
        if (ended) return;
        if (clock.now() - lastDataAt >= options.idleTimeoutMs && !paused) {
          finish(new WatchIdleTimeoutError(options.idleTimeoutMs));
        } else {
          if (paused) lastDataAt = clock.now(); // a lagging consumer is not an idle server
          armIdle();
        }
      },
      Math.max(1, due),
    );
  };

  res.on('data', onData);
  res.on('end', () => {
    if (pending.length > 0 && !failure) {
      const rest = Buffer.concat(pending);
      pending = [];
      try {
        decodeLine(rest);
      } catch (err) {
        finish(err as Error);
        return;
      }
    }
    finish();
  });
  res.on('error', (err) => finish(err));
  res.on('close', () => {
    if (!ended && !res.complete)
      finish(
        Object.assign(new Error('watch connection closed before the response ended'), {
          code: 'ECONNRESET',
        }),
      );
  });
  if (signal?.aborted) finish();
  else signal?.addEventListener('abort', onAbort, { once: true });
  armIdle();

  const next = async (): Promise<IteratorResult<WatchEvent<T>>> => {
    for (;;) {
      if (head < buffer.length) {
        const value = buffer[head]!;
        buffer[head] = undefined as unknown as WatchEvent<T>;
        head++;
        if (head === buffer.length) {
          buffer.length = 0;
          head = 0;
        } else if (head > 1024 && head * 2 > buffer.length) {
          buffer.splice(0, head);
          head = 0;
        }
        if (paused && buffer.length - head < options.highWaterMark / 2 && !ended) {
          paused = false;
          lastDataAt = clock.now();
          res.resume();
        }
        return { value, done: false };
      }
      if (ended) {
        if (failure) {
          const err = failure;
          failure = undefined;
          throw err;
        }
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };

  return {
    stop: () => finish(),
    [Symbol.asyncIterator]() {
      return {
        next,
        return: () => {
          finish();
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}
