// Output renderers: plain lines, JSON lines, and the live table on a terminal.
import type { KubeObject } from '@kubecache/core';
import type { OutputMode } from './cli.js';
import { podRow } from './describe.js';
import { layoutTable } from './table.js';

/** A change the workers processed. */
export interface ChangeEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  pod: KubeObject | undefined;
  change: string;
}

/**
 * A leadership change of this replica under `--leader-elect`: it became leader (its workers run),
 * it stands by while another replica leads (its cache stays warm, nothing is printed), or its
 * term ended.
 */
export type LeadershipEvent =
  | { kind: 'leading'; identity: string; lease: string }
  | { kind: 'standby'; identity: string; leader: string; lease: string }
  | { kind: 'stopped'; identity: string; lease: string };

/** One line for a {@link LeadershipEvent}: `LEADING …`, `STANDBY …`, `STOPPED LEADING …`. */
export function describeLeadership(e: LeadershipEvent): string {
  switch (e.kind) {
    case 'leading':
      return `LEADING ${e.identity} holds lease ${e.lease}; printing`;
    case 'standby':
      return `STANDBY ${e.identity}: ${e.leader} leads (lease ${e.lease}); keeping the cache warm, not printing`;
    case 'stopped':
      return `STOPPED LEADING ${e.identity} (lease ${e.lease}); workers stopped`;
  }
}

/** Where the printer writes. */
export interface Renderer {
  event(e: ChangeEvent): void;
  /** A leadership change (only with `--leader-elect`). */
  leadership(e: LeadershipEvent): void;
  keys(keys: string[]): void;
  progress(synced: boolean, count: number): void;
  error(message: string): void;
  /** Updates the live view from the cache (table mode). */
  snapshot(pods: KubeObject[]): void;
  close(): void;
}

type Write = (s: string) => void;

/** Plain lines: `ADDED ns/name`, `MODIFIED ns/name: phase A→B`, `DELETED ns/name`, `PODS (n): …`. */
export function linesRenderer(out: Write, err: Write): Renderer {
  let announcedSync = false;
  return {
    event: (e) =>
      out(
        `${e.type} ${e.key}${e.change ? `: ${e.change}` : e.type === 'ADDED' && e.pod ? ` (${podRow(e.pod).phase})` : ''}\n`,
      ),
    keys: (keys) => out(`PODS (${keys.length}): ${keys.join(' ')}\n`),
    leadership: (e) => out(`${describeLeadership(e)}\n`),
    progress: (synced, count) => {
      if (synced && !announcedSync) {
        announcedSync = true;
        out(`SYNCED ${count} pods\n`);
      }
    },
    error: (m) => err(`error: ${m}\n`),
    snapshot: () => undefined,
    close: () => undefined,
  };
}

/**
 * JSON lines: one object per event, key list, sync and error, each with `time` first (RFC 3339 in
 * UTC with milliseconds, e.g. `2026-12-06T05:50:00.123Z`: when the line was written).
 *
 * @param now - the clock for `time`. Default: the system clock.
 */
export function jsonRenderer(out: Write, now: () => Date = () => new Date()): Renderer {
  let announcedSync = false;
  const line = (o: object): void => out(`${JSON.stringify({ time: now().toISOString(), ...o })}\n`);
  return {
    event: (e) => {
      const row = e.pod ? podRow(e.pod) : undefined;
      line({
        type: e.type,
        key: e.key,
        ...(e.change ? { change: e.change } : {}),
        ...(row ? { phase: row.phase, restarts: row.restarts, node: row.node } : {}),
      });
    },
    keys: (keys) => line({ type: 'KEYS', count: keys.length, keys }),
    leadership: (e) => {
      const { kind, ...rest } = e;
      const type =
        kind === 'leading' ? 'LEADING' : kind === 'standby' ? 'STANDBY' : 'STOPPED_LEADING';
      line({ type, ...rest });
    },
    progress: (synced, count) => {
      if (synced && !announcedSync) {
        announcedSync = true;
        line({ type: 'SYNCED', count });
      }
    },
    error: (m) => line({ type: 'ERROR', message: m }),
    snapshot: () => undefined,
    close: () => undefined,
  };
}

/** Options of {@link ttyRenderer}. */
export interface TtyOptions {
  /** Redraw at most this often, in ms. Default 250. */
  refreshMs?: number;
  /** Used when the terminal reports no size (some ptys). Default: COLUMNS/LINES, else 80×24. */
  env?: NodeJS.ProcessEnv;
}

const ESC = '\x1b[';

/**
 * The live table (table.ts) on the terminal's alternate screen, like top(1): every frame is drawn
 * from the top-left corner, line by line, so the status line and the header never scroll away; a
 * resize (SIGWINCH, which Node turns into the stream's 'resize' event) redraws at the new size
 * at once. On close the normal screen comes back with the final status line.
 */
export function ttyRenderer(stream: NodeJS.WriteStream, options: TtyOptions = {}): Renderer {
  const env = options.env ?? process.env;
  const size = (): { columns: number; rows: number } => ({
    columns: stream.columns || Number(env.COLUMNS) || 80,
    rows: stream.rows || Number(env.LINES) || 24,
  });
  let pods: KubeObject[] = [];
  let synced = false;
  let count = 0;
  const recent: string[] = [];
  let error = '';
  let dirty = true;
  let closed = false;
  const frame = (): string[] =>
    layoutTable({ pods, synced, count, recent, error, ...size(), now: Date.now() });
  const draw = (): void => {
    if (!dirty || closed) return;
    dirty = false;
    const lines = frame();
    // Absolute positions, no newlines: nothing can scroll. Clear below only when the frame is
    // shorter than the screen (on the last row, ESC[J would erase the frame's last line).
    const below = lines.length < size().rows ? `${ESC}${lines.length + 1};1H${ESC}J` : '';
    // The (hidden) cursor is parked top-left: a terminal that shrinks then cuts lines at the
    // bottom instead of scrolling the header away before we redraw.
    stream.write(`${lines.map((l, i) => `${ESC}${i + 1};1H${l}${ESC}K`).join('')}${below}${ESC}H`);
  };
  const onResize = (): void => {
    dirty = true;
    draw();
  };
  stream.write(`${ESC}?1049h${ESC}?25l${ESC}H${ESC}2J`);
  stream.on('resize', onResize);
  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks % 4 === 0) dirty = true; // AGE moves on, and a stray write is repaired
    draw();
  }, options.refreshMs ?? 250);
  return {
    event: (e) => {
      recent.push(`${e.type} ${e.key}${e.change ? `: ${e.change}` : ''}`);
      if (recent.length > 5) recent.shift();
      dirty = true;
    },
    keys: () => undefined,
    leadership: (e) => {
      recent.push(describeLeadership(e));
      if (recent.length > 5) recent.shift();
      dirty = true;
    },
    progress: (s, c) => {
      if (s !== synced || c !== count) dirty = true;
      synced = s;
      count = c;
    },
    error: (m) => {
      error = `error: ${m}`;
      dirty = true;
    },
    snapshot: (p) => {
      pods = p;
      dirty = true;
    },
    close: () => {
      if (closed) return;
      clearInterval(timer);
      stream.off('resize', onResize);
      closed = true;
      // The normal screen comes back with the final status line and, if the last thing that
      // happened was an error, that error (it was on the alternate screen only).
      stream.write(
        `${ESC}?25h${ESC}?1049l${frame()[0] ?? ''}\n${error !== '' ? `${error}\n` : ''}`,
      );
    },
  };
}

/** The renderer for a mode. */
export function makeRenderer(mode: OutputMode): Renderer {
  const out: Write = (s) => process.stdout.write(s);
  const err: Write = (s) => process.stderr.write(s);
  if (mode === 'json') return jsonRenderer(out);
  if (mode === 'lines') return linesRenderer(out, err);
  return ttyRenderer(process.stdout);
}
