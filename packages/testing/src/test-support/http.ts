// Test helpers: small HTTP clients for the server tests (not part of the package's API).
import http, { type IncomingHttpHeaders } from 'node:http';
import type { KubeObject, Status } from '@kubecache/core';

/** One decoded watch line. */
export interface WatchLine {
  type: string;
  object: KubeObject & Status;
}

/** A watch stream opened with {@link openWatch}. */
export interface OpenWatch {
  /** Status code and headers of the response. */
  readonly response: Promise<{ status: number; headers: IncomingHttpHeaders }>;
  /** Raw lines received so far (without the newline). */
  readonly lines: string[];
  /** The lines parsed as JSON (throws on a malformed line). */
  events(): WatchLine[];
  /** Resolves once `predicate(lines)` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (lines: string[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Settles when the stream ends: `'end'` for a clean end, `'error'` for a reset. */
  readonly ended: Promise<'end' | 'error'>;
  /** Closes the stream from the client side. */
  close(): void;
}

/** Opens a watch (or any streaming GET) and records its lines. */
export function openWatch(url: string, headers: Record<string, string> = {}): OpenWatch {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  let resolveResponse!: (r: { status: number; headers: IncomingHttpHeaders }) => void;
  let rejectResponse!: (e: Error) => void;
  const response = new Promise<{ status: number; headers: IncomingHttpHeaders }>((res, rej) => {
    resolveResponse = res;
    rejectResponse = rej;
  });
  let resolveEnded!: (how: 'end' | 'error') => void;
  const ended = new Promise<'end' | 'error'>((res) => (resolveEnded = res));
  const req = http.get(url, { headers }, (res) => {
    resolveResponse({ status: res.statusCode ?? 0, headers: res.headers });
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      notify();
    });
    res.on('end', () => {
      if (buf !== '') lines.push(buf);
      resolveEnded('end');
      notify();
    });
    res.on('error', () => {
      resolveEnded('error');
      notify();
    });
    res.on('aborted', () => {
      resolveEnded('error');
      notify();
    });
  });
  req.on('error', (err) => {
    rejectResponse(err);
    resolveEnded('error');
    notify();
  });
  response.catch(() => undefined);
  return {
    response,
    lines,
    events: () => lines.map((l) => JSON.parse(l) as WatchLine),
    waitFor: (predicate, timeoutMs = 3000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (predicate(lines)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; lines so far: ${JSON.stringify(lines)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    ended,
    close: () => req.destroy(),
  };
}

/** GET/POST/… a JSON endpoint with fetch. */
export async function requestJson<T>(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as T, headers: res.headers };
}

/** Waits `ms` of real time (only for "nothing happens meanwhile" checks on real sockets). */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
