// The live table's layout, like `kubectl get pods -A -w` but redrawn in place: a status line and
// the column header on top (always on screen), one line per pod sorted by namespace/name, a
// "+N more" line when the terminal is too short, then the last few changes and the last error.
// Pure: the terminal driver (render.ts) draws what this returns.
import type { KubeObject } from '@kubecache/core';
import { podRow, type PodRow } from './describe.js';

/** Everything one frame shows, and the terminal size it must fit. */
export interface TableView {
  /** The pods in the cache, in any order. */
  pods: readonly KubeObject[];
  /** Whether the initial list has been processed. */
  synced: boolean;
  /** Pods seen so far (shown while syncing). */
  count: number;
  /** The last few changes, oldest first. */
  recent: readonly string[];
  /** The last error line, or ''. */
  error: string;
  /** Terminal width in columns: no line is longer. */
  columns: number;
  /** Terminal height in rows: the frame has at most this many lines. */
  rows: number;
  /** Now, in ms since the epoch (for AGE). */
  now: number;
}

interface Column {
  head: string;
  cell: (r: PodRow) => string;
}

const NAMESPACE: Column = { head: 'NAMESPACE', cell: (r) => r.namespace };
const NAME: Column = { head: 'NAME', cell: (r) => r.name };
const READY: Column = { head: 'READY', cell: (r) => r.ready };
const STATUS: Column = { head: 'STATUS', cell: (r) => r.status };
const RESTARTS: Column = { head: 'RESTARTS', cell: (r) => String(r.restarts) };
const AGE: Column = { head: 'AGE', cell: (r) => r.age };
const NODE: Column = { head: 'NODE', cell: (r) => r.node };

/** Column sets from widest to narrowest: NODE goes first, then RESTARTS, then AGE. */
const LAYOUTS: Column[][] = [
  [NAMESPACE, NAME, READY, STATUS, RESTARTS, AGE, NODE],
  [NAMESPACE, NAME, READY, STATUS, RESTARTS, AGE],
  [NAMESPACE, NAME, READY, STATUS, AGE],
  [NAMESPACE, NAME, READY, STATUS],
];
const GAP = '   ';
/** Lines reserved for recent changes (fewer on a short terminal). */
const MAX_RECENT = 3;

/** Cuts `s` to `width` characters, marking the cut with '…'. */
export function fit(s: string, width: number): string {
  if (width <= 0) return '';
  return s.length <= width ? s : `${s.slice(0, width - 1)}…`;
}

const keyOf = (p: KubeObject): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;

/** The frame for `view`: at most `rows` lines of at most `columns` characters. */
export function layoutTable(view: TableView): string[] {
  const columns = Math.max(1, view.columns);
  const rows = Math.max(1, view.rows);
  const status = view.synced ? `pods: ${view.pods.length} (synced)` : `syncing… ${view.count} pods`;
  const footer = [
    ...view.recent.slice(-Math.min(MAX_RECENT, Math.max(0, rows - 6))),
    ...(view.error && rows >= 5 ? [view.error] : []),
  ];
  const room = rows - 2 - footer.length; // lines for pod rows and "+N more"
  if (room < 1)
    return [status, ...(rows >= 2 ? footer.slice(-(rows - 1)) : [])].map((l) => fit(l, columns));

  const sorted = [...view.pods].sort((a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const shown = sorted.length <= room ? sorted : sorted.slice(0, room - 1);
  const data = shown.map((p) => podRow(p, view.now));
  const more = sorted.length - shown.length;

  const widthsOf = (cols: Column[]): number[] =>
    cols.map((c) => Math.max(c.head.length, ...data.map((r) => c.cell(r).length)));
  const total = (w: number[]): number => w.reduce((n, x) => n + x, 0) + GAP.length * (w.length - 1);
  let cols = LAYOUTS[0]!;
  let widths = widthsOf(cols);
  for (const layout of LAYOUTS) {
    cols = layout;
    widths = widthsOf(cols);
    if (total(widths) <= columns) break;
  }
  const line = (cells: string[]): string =>
    fit(
      cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join(GAP),
      columns,
    );

  return [
    fit(status, columns),
    line(cols.map((c) => c.head)),
    ...data.map((r) => line(cols.map((c) => c.cell(r)))),
    ...(more > 0 ? [fit(`+${more} more`, columns)] : []),
    ...footer.map((l) => fit(l, columns)),
  ];
}
