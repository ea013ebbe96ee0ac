import { describe, expect, it } from 'vitest';
import { defaultFieldManager } from './field-manager.js';

describe('defaultFieldManager', () => {
  it('takes the User-Agent up to its first slash, printable characters, at most 128 bytes', () => {
    expect(defaultFieldManager('kubectl/v1.30.0 (linux/amd64) kubernetes/abc')).toBe('kubectl');
    expect(defaultFieldManager('plain')).toBe('plain');
    expect(defaultFieldManager('a\u0000b\tc/x')).toBe('abc');
    expect(defaultFieldManager('y'.repeat(300))).toHaveLength(128);
    // Go's unicode.IsPrint keeps only the ASCII space among spaces.
    expect(defaultFieldManager('my op\u00a0x\u200b/1')).toBe('my opx');
    // The cut is in UTF-8 bytes, before a character that would pass 128: 42 × 3 bytes + 'é' (2).
    expect(defaultFieldManager(`${'€'.repeat(42)}éé`)).toBe(`${'€'.repeat(42)}é`);
    expect(defaultFieldManager('€'.repeat(50))).toBe('€'.repeat(42));
  });
});
