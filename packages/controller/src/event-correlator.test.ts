import { FakeClock } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import {
  combinedNotePrefix,
  createEventCorrelator,
  isomorphicEventKey,
  type EventCorrelation,
  type EventRecord,
} from './event-correlator.js';
import { isControllerOptionsError } from './errors.js';

const foo = { apiVersion: 'example.com/v1', kind: 'Foo', namespace: 'ns', name: 'a', uid: 'u1' };

function record(over: Partial<EventRecord> = {}): EventRecord {
  return {
    regarding: foo,
    type: 'Normal',
    reason: 'Synced',
    action: 'Reconcile',
    note: 'synced',
    reportingController: 'foo-controller',
    reportingInstance: 'foo-controller-host',
    ...over,
  };
}

const kept = (c: EventCorrelation) => {
  if (c.skip) throw new Error('skipped');
  return c;
};

describe('createEventCorrelator', () => {
  it('identical events share a key; resourceVersion of the reference is not part of it', () => {
    const c = createEventCorrelator({ clock: new FakeClock() });
    const a = kept(c.correlate(record()));
    const b = kept(c.correlate(record({ regarding: { ...foo, resourceVersion: '42' } })));
    expect(b.key).toBe(a.key);
    expect(a.combined).toBe(false);
    const other = kept(c.correlate(record({ reason: 'Other' })));
    expect(other.key).not.toBe(a.key);
    expect(isomorphicEventKey(record({ note: 'x' }))).not.toBe(isomorphicEventKey(record()));
  });

  it('folds similar events (different notes) from the 10th distinct note in 10 minutes into one combined key', () => {
    const c = createEventCorrelator({ clock: new FakeClock() });
    const results = Array.from({ length: 12 }, (_, i) =>
      kept(c.correlate(record({ note: `note ${String(i)}` }))),
    );
    expect(results.slice(0, 9).every((r) => !r.combined)).toBe(true);
    expect(new Set(results.slice(0, 9).map((r) => r.key)).size).toBe(9);
    const folded = results.slice(9);
    expect(folded.every((r) => r.combined)).toBe(true);
    expect(new Set(folded.map((r) => r.key)).size).toBe(1);
    expect(folded[0]!.event.note).toBe(`${combinedNotePrefix}note 9`);
    expect(folded[2]!.event.note).toBe(`${combinedNotePrefix}note 11`);
    // Another reason is not similar.
    expect(kept(c.correlate(record({ reason: 'Other', note: 'z' }))).combined).toBe(false);
  });

  it('similar events more than 10 minutes apart count afresh', async () => {
    const clock = new FakeClock();
    const c = createEventCorrelator({ clock });
    for (let i = 0; i < 9; i++) kept(c.correlate(record({ note: `n${String(i)}` })));
    await clock.advance(600_001);
    expect(kept(c.correlate(record({ note: 'n9' }))).combined).toBe(false);
  });

  it('spam filter: 25 events per object pass, the 26th is skipped; one more every 5 minutes', async () => {
    const clock = new FakeClock();
    const c = createEventCorrelator({ clock });
    for (let i = 0; i < 25; i++) expect(c.correlate(record()).skip).toBe(false);
    expect(c.correlate(record()).skip).toBe(true);
    // Another object has its own bucket.
    expect(c.correlate(record({ regarding: { ...foo, name: 'b', uid: 'u2' } })).skip).toBe(false);
    await clock.advance(299_000);
    expect(c.correlate(record()).skip).toBe(true);
    await clock.advance(1_000);
    expect(c.correlate(record()).skip).toBe(false);
    expect(c.correlate(record()).skip).toBe(true);
  });

  it('rejects a non-positive option with ControllerOptionsError', () => {
    let caught: unknown;
    try {
      createEventCorrelator({ spamBurst: 0 });
    } catch (err) {
      caught = err;
    }
    expect(isControllerOptionsError(caught)).toBe(true);
    expect((caught as Error).message).toBe('spamBurst: must be a positive number, got 0');
  });
});
