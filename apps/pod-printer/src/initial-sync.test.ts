import { describe, expect, it } from 'vitest';
import { InitialSync } from './initial-sync.js';

describe('the initial sync of the printer', () => {
  it('is done only once the handler synced and a worker handled every initial key', async () => {
    const s = new InitialSync();
    s.added('ns/a', true);
    s.added('ns/b', true);
    s.handled('ns/a');
    expect(s.isDone()).toBe(false); // the handler may still get more initial adds
    s.handlerHasSynced();
    expect(s.isDone()).toBe(false); // ns/b has not been printed yet
    s.added('ns/c', false); // a live add does not hold the sync back
    s.handled('ns/b');
    expect(s.isDone()).toBe(true);
    await expect(s.done).resolves.toBeUndefined();
  });

  it('is done at once for an empty initial list', () => {
    const s = new InitialSync();
    s.handlerHasSynced();
    expect(s.isDone()).toBe(true);
  });
});
