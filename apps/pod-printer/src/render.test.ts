import { describe, expect, it } from 'vitest';
import { makePod } from '@kubecache/testing';
import { EventEmitter } from 'node:events';
import { jsonRenderer, linesRenderer, ttyRenderer } from './render.js';

describe('renderers', () => {
  it('writes plain lines for events, the key list, sync and errors', () => {
    const out: string[] = [];
    const err: string[] = [];
    const r = linesRenderer(
      (s) => out.push(s),
      (s) => err.push(s),
    );
    r.event({
      type: 'ADDED',
      key: 'ns/a',
      pod: makePod({ namespace: 'ns', name: 'a', phase: 'Pending' }),
      change: '',
    });
    r.event({ type: 'MODIFIED', key: 'ns/a', pod: undefined, change: 'phase Pending→Running' });
    r.event({ type: 'DELETED', key: 'ns/a', pod: undefined, change: '' });
    r.keys(['ns/a', 'ns/b']);
    r.progress(false, 1);
    r.progress(true, 2);
    r.progress(true, 2);
    r.error('API server unreachable');
    expect(out.join('')).toBe(
      'ADDED ns/a (Pending)\nMODIFIED ns/a: phase Pending→Running\nDELETED ns/a\nPODS (2): ns/a ns/b\nSYNCED 2 pods\n',
    );
    expect(err).toEqual(['error: API server unreachable\n']);
  });

  it('writes one JSON object per line, each with an RFC 3339 time first', () => {
    const out: string[] = [];
    let t = Date.parse('2026-12-06T05:50:00.123Z');
    const r = jsonRenderer(
      (s) => out.push(s),
      () => new Date(t++),
    );
    r.event({
      type: 'ADDED',
      key: 'ns/a',
      pod: makePod({ namespace: 'ns', name: 'a', nodeName: 'n' }),
      change: '',
    });
    r.keys(['ns/a']);
    r.error('boom');
    expect(out.map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        time: '2026-12-06T05:50:00.123Z',
        type: 'ADDED',
        key: 'ns/a',
        phase: 'Running',
        restarts: 0,
        node: 'n',
      },
      { time: '2026-12-06T05:50:00.124Z', type: 'KEYS', count: 1, keys: ['ns/a'] },
      { time: '2026-12-06T05:50:00.125Z', type: 'ERROR', message: 'boom' },
    ]);
    expect(out[0]).toMatch(/^\{"time":"2026-12-06T05:50:00\.123Z","type":"ADDED"/);
    // The system clock by default.
    const plain: string[] = [];
    jsonRenderer((s) => plain.push(s)).keys([]);
    const { time } = JSON.parse(plain[0]!) as { time: string };
    expect(new Date(time).toISOString()).toBe(time);
  });

  it('the live table keeps the last error on the normal screen when it closes (Ctrl-C)', () => {
    const stream = Object.assign(new EventEmitter(), {
      columns: 80,
      rows: 24,
      written: '',
      write(s: string): boolean {
        stream.written += s;
        return true;
      },
    });
    const r = ttyRenderer(stream as unknown as NodeJS.WriteStream, { refreshMs: 1_000_000 });
    r.error('API server unreachable (connect ECONNREFUSED 127.0.0.1:6443); retrying');
    stream.written = '';
    r.close();
    const restored = stream.written.slice(stream.written.indexOf('\x1b[?1049l') + 8);
    expect(restored.split('\n')).toEqual([
      expect.stringMatching(/\S/) as unknown,
      'error: API server unreachable (connect ECONNREFUSED 127.0.0.1:6443); retrying',
      '',
    ]);
  });

  it('writes one line per leadership change: LEADING, STANDBY naming the leader, STOPPED LEADING', () => {
    const out: string[] = [];
    const lines = linesRenderer(
      (s) => out.push(s),
      () => undefined,
    );
    lines.leadership({ kind: 'standby', identity: 'b', leader: 'a', lease: 'ns/l' });
    lines.leadership({ kind: 'leading', identity: 'b', lease: 'ns/l' });
    lines.leadership({ kind: 'stopped', identity: 'b', lease: 'ns/l' });
    expect(out).toEqual([
      'STANDBY b: a leads (lease ns/l); keeping the cache warm, not printing\n',
      'LEADING b holds lease ns/l; printing\n',
      'STOPPED LEADING b (lease ns/l); workers stopped\n',
    ]);
    const json: string[] = [];
    const time = '2026-12-06T05:50:00.000Z';
    const j = jsonRenderer(
      (s) => json.push(s),
      () => new Date(time),
    );
    j.leadership({ kind: 'standby', identity: 'b', leader: 'a', lease: 'ns/l' });
    j.leadership({ kind: 'stopped', identity: 'b', lease: 'ns/l' });
    expect(json.map((l) => JSON.parse(l) as unknown)).toEqual([
      { time, type: 'STANDBY', identity: 'b', leader: 'a', lease: 'ns/l' },
      { time, type: 'STOPPED_LEADING', identity: 'b', lease: 'ns/l' },
    ]);
  });
});
