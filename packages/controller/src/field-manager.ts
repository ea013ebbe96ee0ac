// The field manager of a write (managedFields): the one the caller names, checked as
// kube-apiserver checks it, or the one kube-apiserver derives from the User-Agent when it names
// none (k8s.io/apiserver pkg/endpoints/handlers).

/** Longest field manager kube-apiserver accepts, in UTF-8 bytes (validation.FieldManagerMaxLength). */
const fieldManagerMaxBytes = 128;

/**
 * The field manager kube-apiserver records for a non-apply write that names none
 * (k8s.io/apiserver `pkg/endpoints/handlers/create.go` managerOrUserAgent → prefixFromUserAgent):
 * the User-Agent up to its first `/`, without the characters Go's `unicode.IsPrint` rejects
 * (controls, format characters, spaces other than U+0020), cut before the character that would
 * pass 128 UTF-8 bytes.
 *
 * @example defaultFieldManager('my-operator/v1.2 (linux/amd64)') === 'my-operator'
 */
export function defaultFieldManager(userAgent: string): string {
  const head = userAgent.split('/')[0] ?? '';
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    const size = Buffer.byteLength(ch);
    if (bytes + size > fieldManagerMaxBytes) break;
    out += ch;
    bytes += size;
  }
  return out;
}

/**
 * Checks a field manager the caller named (kube-apiserver's validation.ValidateFieldManager: not
 * empty, at most 128 UTF-8 bytes).
 *
 * @param where - the call, for the message (`createClient`, `write`, `apply`).
 * @throws TypeError when `value` is empty or longer than 128 UTF-8 bytes.
 */
export function checkFieldManager(value: string, where: string): void {
  if (value === '' || Buffer.byteLength(value) > fieldManagerMaxBytes) {
    throw new TypeError(
      `${where}: fieldManager must be 1 to ${String(fieldManagerMaxBytes)} bytes (UTF-8), got ${JSON.stringify(value)}`,
    );
  }
}
