// The HTTP layer of the typed client and the event recorder: @kubecache/listwatch's JSON client
// (credentials applied per request, a keep-alive agent, one resend on a stale pooled socket, the
// Status of an error answer as a classified ApiStatusError, a kubeconfig/server mismatch as a
// ServerConfigError), which follows k8s.io/client-go/rest/request.go (Do().Into();
// transformResponse, NewGenericServerResponse for a non-Status error body).
import {
  createJsonClient,
  type JsonClient,
  type JsonRequest,
  type JsonRequestMethod,
  type KubeConfigLike,
} from '@kubecache/listwatch';

/** HTTP verbs of the client (listwatch's {@link JsonRequestMethod}). */
export type ClientHttpMethod = JsonRequestMethod;

/**
 * One request of {@link ClientHttp.request}: method, path (segments encoded, no query), `query`
 * (`undefined` values left out), `body` sent as JSON text with `contentType` (default
 * `application/json`), and an optional `signal` (aborting rejects with `AbortedError`).
 */
export type ClientHttpRequest = JsonRequest;

/**
 * JSON requests against one API server: listwatch's {@link JsonClient}. `request` resolves with
 * the parsed JSON body of a 2xx answer (`undefined` for an empty one).
 *
 * @throws ApiStatusError for a non-2xx answer (the body's Status, or one synthesised from the
 *   HTTP code); `Retry-After` (s) becomes `retryAfterSeconds`; redirects are not followed.
 * @throws ServerConfigError when the kubeconfig's CA or scheme does not match the server.
 * @throws ResponseDecodeError for a 2xx body that is not JSON or longer than 16 MiB.
 * @throws AbortedError when the signal fires.
 * @throws the connection error (`ECONNREFUSED`, …).
 */
export type ClientHttp = JsonClient;

/** Largest 2xx body read, in bytes (a big custom resource or a list of a few hundred). */
const maxBodyBytes = 16 * 1024 * 1024;

/**
 * Creates a {@link ClientHttp} for the current cluster of `kc`, sending `userAgent`.
 *
 * @throws Error when the KubeConfig has no current cluster or its server is not http(s)://.
 */
export function createClientHttp(kc: KubeConfigLike, userAgent: string): ClientHttp {
  return createJsonClient(kc, { userAgent, maxBodyBytes });
}
