import { describe, expect, it } from 'vitest';
import { makePod } from '@kubecache/testing';
import { jsonRenderer, linesRenderer } from './render.js';

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

  it('writes one JSON object per line', () => {
    const out: string[] = [];
    const r = jsonRenderer((s) => out.push(s));
    r.event({
      type: 'ADDED',
      key: 'ns/a',
      pod: makePod({ namespace: 'ns', name: 'a', nodeName: 'n' }),
      change: '',
    });
    r.keys(['ns/a']);
    r.error('boom');
    expect(out.map((l) => JSON.parse(l) as unknown)).toEqual([
      { type: 'ADDED', key: 'ns/a', phase: 'Running', restarts: 0, node: 'n' },
      { type: 'KEYS', count: 1, keys: ['ns/a'] },
      { type: 'ERROR', message: 'boom' },
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
    const j = jsonRenderer((s) => json.push(s));
    j.leadership({ kind: 'standby', identity: 'b', leader: 'a', lease: 'ns/l' });
    j.leadership({ kind: 'stopped', identity: 'b', lease: 'ns/l' });
    expect(json.map((l) => JSON.parse(l) as unknown)).toEqual([
      { type: 'STANDBY', identity: 'b', leader: 'a', lease: 'ns/l' },
      { type: 'STOPPED_LEADING', identity: 'b', lease: 'ns/l' },
    ]);
  });
});
