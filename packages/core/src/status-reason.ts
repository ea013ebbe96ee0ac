// Port of the matching rule shared by the Is… checks of k8s.io/apimachinery/pkg/api/errors
// (errors.go: ReasonForError / knownReasons): the reason decides, the HTTP code only counts when
// the reason is missing or unknown.

/**
 * Every reason apimachinery knows (its `knownReasons`). A Status whose reason is not in this set
 * (`''`, `Unknown`, or one from a newer server) is classified by its HTTP code instead.
 */
const knownStatusReasons: ReadonlySet<string> = new Set([
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'AlreadyExists',
  'Conflict',
  'Gone',
  'Invalid',
  'ServerTimeout',
  'StoreReadError',
  'Timeout',
  'TooManyRequests',
  'BadRequest',
  'MethodNotAllowed',
  'NotAcceptable',
  'RequestEntityTooLarge',
  'UnsupportedMediaType',
  'InternalError',
  'Expired',
  'ServiceUnavailable',
]);

/**
 * Whether `reason` is a Kubernetes Status reason apimachinery knows (`Forbidden`, `Expired`, …;
 * its `knownReasons`), as opposed to `''`, `Unknown`, a newer server's or a field of another
 * error class that happens to be named `reason`.
 *
 * @param reason - any text.
 */
export function isKnownStatusReason(reason: string): boolean {
  return knownStatusReasons.has(reason);
}

/**
 * apimachinery's rule for every `errors.Is…` check, on an error's Status `reason` and HTTP `code`
 * (as read by e.g. `summarizeError`): true when `status.reason` is `reason`, or when
 * `status.reason` is missing or not one apimachinery knows (`''`, `Unknown`, a proxy's) and
 * `status.code` is `code` (a number, or the same number as a string).
 *
 * @param status - the reason (`''` when none) and code (`undefined` when none) of the error.
 * @param reason - the Status reason looked for, e.g. `Conflict`.
 * @param code - the HTTP status code of that reason, e.g. 409.
 */
export function matchesStatusReason(
  status: { readonly reason: string; readonly code: number | string | undefined },
  reason: string,
  code: number,
): boolean {
  if (status.reason === reason) return true;
  return (
    !knownStatusReasons.has(status.reason) && (status.code === code || status.code === String(code))
  );
}
