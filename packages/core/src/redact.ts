// kubecache's own: client-go relies on klog and on callers never formatting credentials into an
// error; a TypeScript client sees bodies, URLs and header dumps in error messages (client-node's
// ApiException prints its response), so every line kubecache prints goes through `redact` first.

/** What replaces a secret value. */
export const REDACTED = '[REDACTED]';

// A PEM block (client keys and certificates, also a truncated one without its END line).
const pemBlock = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g;
// The value of an Authorization header, in header, JSON or key=value form: everything to the end
// of the value (the scheme and the credentials), so `Bearer`, `Basic` and custom schemes all go.
// The value starts with neither a space nor a quote, so a second pass finds `[REDACTED]` and
// leaves it (redacting is idempotent).
const authorizationValue =
  /((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?!\[REDACTED)[^\s"'\r\n,;&}][^"'\r\n,;&}]*/gi;
// A bearer or basic credential wherever it appears in free text.
const schemeCredential = /\b(Bearer|Basic)\s+(?!\[REDACTED)[A-Za-z0-9\-._~+/]+=*/g;
// `key: value`, `key=value`, `"key":"value"` where the key names a secret: passwords, tokens,
// API keys, client keys and certificates (kubeconfig's client-key-data), cookies.
const secretKeyValue =
  /(?<![\w.-])([\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|private[_-]?key|client[_-]?key|key[_-]?data|certificate[_-]?data|cookie|credential)[\w.-]*)(["']?\s*[:=]\s*["']?)(?!\[REDACTED)[^\s"'&,;}]+/gi;
// user:password@ in a URL.
const urlUserInfo = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi;
// A JSON Web Token (service-account and OIDC tokens), even without a key in front of it.
const jwt = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/**
 * Removes credentials from text before it is printed: Authorization header values, `Bearer` and
 * `Basic` credentials, PEM blocks (client keys and certificates), JSON Web Tokens, URL user info,
 * and the values of secret-looking keys in `key=value`, `key: value` and JSON form (password,
 * token, access_token, secret, api-key, client-key-data, client-certificate-data, cookie, …).
 *
 * It errs on the side of hiding: a non-secret value under a secret-looking key is hidden too.
 * Redaction is textual; it cannot know secrets that carry no recognisable shape.
 *
 * @param text - any text, for example an error message or a formatted log line.
 * @returns `text` with every match replaced by `[REDACTED]` (PEM blocks by `[REDACTED PEM]`);
 * `''` for a non-string. Never throws. Its cost grows faster than linearly with the length of
 * long unbroken words: callers cut text to a few kilobytes first, as the logger does.
 */
export function redact(text: string): string {
  if (typeof text !== 'string') return ''; // a JavaScript caller passing a non-string
  if (text === '') return text;
  // One pass can create a match for an earlier rule (a `[REDACTED]` from the key=value rule can
  // complete a `scheme://user:pass@` shape), so passes repeat until nothing changes: redacting is
  // idempotent. Each pass only replaces text with shorter or equal markers, so this ends fast;
  // the bound is a guard.
  let out = text;
  for (let i = 0; i < 8; i++) {
    const next = redactOnce(out);
    if (next === out) break;
    out = next;
  }
  return out;
}

function redactOnce(text: string): string {
  return text
    .replace(pemBlock, '[REDACTED PEM]')
    .replace(authorizationValue, `$1${REDACTED}`)
    .replace(schemeCredential, `$1 ${REDACTED}`)
    .replace(urlUserInfo, `$1${REDACTED}@`)
    .replace(jwt, REDACTED)
    .replace(secretKeyValue, `$1$2${REDACTED}`);
}
