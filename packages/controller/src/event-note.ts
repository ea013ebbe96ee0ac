// The length limit of an Event's note: kube-apiserver rejects a note over 1024 bytes
// (k8s.io/kubernetes pkg/apis/core/validation/events.go, NoteLengthLimit); kube-scheduler cuts its
// messages to fit with a " ..." suffix (truncateMessage), which the recorder does for every note.

/** Largest note kube-apiserver accepts, in bytes of UTF-8 (Go's `len` of the string). */
export const maxEventNoteBytes = 1024;

const suffix = ' ...';

/**
 * Cuts `note` to at most `maxBytes` bytes of UTF-8, ending it with ` ...` when cut; never splits
 * a character (a surrogate pair or a multi-byte sequence stays whole or goes). A note that fits
 * is returned as is.
 *
 * @param note - the note.
 * @param maxBytes - the limit in bytes. Default: {@link maxEventNoteBytes} (1024).
 * @returns the note, cut to fit.
 */
export function truncateEventNote(note: string, maxBytes: number = maxEventNoteBytes): string {
  if (Buffer.byteLength(note, 'utf8') <= maxBytes) return note;
  const budget = maxBytes - Buffer.byteLength(suffix, 'utf8');
  let bytes = 0;
  let end = 0;
  for (const ch of note) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    end += ch.length;
  }
  return note.slice(0, end) + suffix;
}
