import { describe, expect, it } from 'vitest';
import { maxEventNoteBytes, truncateEventNote } from './event-note.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('truncateEventNote', () => {
  it('keeps a note of exactly 1024 bytes and cuts one of 1025 to 1024 ending in " ..."', () => {
    const fits = 'a'.repeat(1024);
    expect(truncateEventNote(fits)).toBe(fits);
    const cut = truncateEventNote('b'.repeat(1025));
    expect(bytes(cut)).toBe(maxEventNoteBytes);
    expect(cut).toBe('b'.repeat(1020) + ' ...');
  });

  it('counts UTF-8 bytes, not UTF-16 units, and never splits a character', () => {
    const euro = '€'.repeat(400); // 3 bytes each: 1200 bytes, 400 units
    const cut = truncateEventNote(euro);
    expect(bytes(cut)).toBeLessThanOrEqual(1024);
    expect(cut).toBe('€'.repeat(340) + ' ...');
    const emoji = 'x' + '😀'.repeat(300); // a surrogate pair, 4 bytes each
    const cutEmoji = truncateEventNote(emoji);
    expect(bytes(cutEmoji)).toBeLessThanOrEqual(1024);
    expect(cutEmoji).toBe('x' + '😀'.repeat(254) + ' ...');
    expect(cutEmoji.includes('\uFFFD')).toBe(false);
  });
});
