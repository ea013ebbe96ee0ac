// Output renderers: plain lines, JSON lines, and a live table redrawn in place (terminals).
import Table from 'cli-table3';
import { createLogUpdate } from 'log-update';
import type { KubeObject } from '@kubecache/core';
import { podRow } from './describe.js';
import type { OutputMode } from './cli.js';

/** A change the workers processed. */
export interface ChangeEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  pod: KubeObject | undefined;
  change: string;
}

/** Where the printer writes. */
export interface Renderer {
  event(e: ChangeEvent): void;
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

/** JSON lines: one object per event, key list, sync and error. */
export function jsonRenderer(out: Write): Renderer {
  let announcedSync = false;
  const line = (o: unknown): void => out(`${JSON.stringify(o)}\n`);
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

/** The live table: redrawn in place at most every `refreshMs`, with a progress line and recent events. */
export function tableRenderer(stream: NodeJS.WriteStream, refreshMs = 250, maxRows = 40): Renderer {
  // A terminal that reports 0 rows/columns (e.g. a fresh pty) would make log-update draw
  // nothing: fall back to 50×120.
  const view = new Proxy(stream, {
    get(target, prop, receiver) {
      if (prop === 'rows') return target.rows || 50;
      if (prop === 'columns') return target.columns || 120;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const update = createLogUpdate(view, { showCursor: true });
  let pods: KubeObject[] = [];
  let synced = false;
  let count = 0;
  const recent: string[] = [];
  let errorLine = '';
  let dirty = true;
  const draw = (): void => {
    if (!dirty) return;
    dirty = false;
    const head = synced ? `pods: ${pods.length} (synced)` : `syncing… ${count} pods`;
    const table = new Table({
      head: ['NAMESPACE', 'NAME', 'PHASE', 'READY', 'RESTARTS', 'AGE', 'NODE'],
      style: { head: [], border: [] },
    });
    const now = Date.now();
    const rows = pods.slice(0, maxRows);
    for (const p of rows) {
      const r = podRow(p, now);
      table.push([r.namespace, r.name, r.phase, r.ready, String(r.restarts), r.age, r.node]);
    }
    const more = pods.length > rows.length ? `\n… and ${pods.length - rows.length} more` : '';
    update(
      `${head}\n${table.toString()}${more}\n${recent.join('\n')}${errorLine ? `\n${errorLine}` : ''}`,
    );
  };
  const timer = setInterval(draw, refreshMs);
  return {
    event: (e) => {
      recent.push(`${e.type} ${e.key}${e.change ? `: ${e.change}` : ''}`);
      if (recent.length > 5) recent.shift();
      dirty = true;
    },
    keys: () => undefined,
    progress: (s, c) => {
      synced = s;
      count = c;
      dirty = true;
    },
    error: (m) => {
      errorLine = `error: ${m}`;
      dirty = true;
    },
    snapshot: (p) => {
      pods = [...p].sort((a, b) =>
        `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
          `${b.metadata?.namespace}/${b.metadata?.name}`,
        ),
      );
      dirty = true;
    },
    close: () => {
      clearInterval(timer);
      dirty = true;
      draw();
      update.done();
    },
  };
}

/** The renderer for a mode. */
export function makeRenderer(mode: OutputMode): Renderer {
  const out: Write = (s) => process.stdout.write(s);
  const err: Write = (s) => process.stderr.write(s);
  if (mode === 'json') return jsonRenderer(out);
  if (mode === 'lines') return linesRenderer(out, err);
  return tableRenderer(process.stdout);
}
