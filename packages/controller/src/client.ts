// A small typed client for `defineResource` definitions and the built-ins: the verbs of
// controller-runtime's client.Client (pkg/client/interfaces.go: Get, List, Create, Update, Patch,
// Apply, Delete, Status().Update/Patch/Apply) over client-go's REST semantics
// (k8s.io/client-go/rest/request.go; typed clients in k8s.io/client-go/kubernetes/typed), with the
// write options of k8s.io/apimachinery metav1 CreateOptions / UpdateOptions / PatchOptions /
// DeleteOptions. Each successful write is reported to an `onWrite` observer (resource, key,
// resourceVersion answered), the hook read-your-writes builds on.
// Differs from controller-runtime: methods take the resource definition and return the stored
// object (no scheme, no Unstructured, no fill-in-place); reads always go to the server; `delete`
// resolves with the answered object; the derived field manager is sent explicitly.
// Differs from client-go: no retries inside the client (rest.Request retries some Retry-After
// answers); callers use retryOnConflict / retryOnError.
import {
  defaultLogger,
  toError,
  type KubeObject,
  type Logger,
  type ResourceDef,
} from '@kubecache/core';
import { ResponseDecodeError, type KubeConfigLike } from '@kubecache/listwatch';
import type {
  ApplyConfiguration,
  ClientApplyOptions,
  ClientDeleteOptions,
  ClientListOptions,
  ClientRequestOptions,
  ClientWriteOptions,
  ObjectKey,
  ObjectList,
} from './client-call-types.js';
import { createClientHttp, type ClientHttp } from './client-http.js';
import { encodePatch, patchContentTypes, type Patch } from './client-patch.js';
import { asObject, collectionPath, keyOf, scopedKey, withTypeMeta } from './client-wire.js';
import { checkFieldManager, defaultFieldManager } from './field-manager.js';

/** The writing verbs reported to {@link ClientOptions.onWrite}. */
export type ClientWriteVerb = 'create' | 'update' | 'patch' | 'apply' | 'delete';

/**
 * One successful (not dry-run) write, as reported to {@link ClientOptions.onWrite}: which
 * object, and the `resourceVersion` the server answered (the state the informer's store must
 * reach before a read of that key can see the write). For a delete, `resourceVersion` is the one
 * of the object the server answered with (`undefined` when it answered a bare Success Status).
 */
export interface ClientWriteEvent {
  /** The definition written through. */
  readonly resource: ResourceDef;
  /** `undefined` for cluster-scoped resources. */
  readonly namespace: string | undefined;
  readonly name: string;
  readonly verb: ClientWriteVerb;
  /** `'status'` for `updateStatus` / `patchStatus` / `applyStatus`. */
  readonly subresource: 'status' | undefined;
  /** `metadata.resourceVersion` of the server's answer. */
  readonly resourceVersion: string | undefined;
  /** `metadata.uid` of the server's answer. */
  readonly uid: string | undefined;
  /** The server's answer (the stored object), when it sent one. */
  readonly object: KubeObject | undefined;
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** `User-Agent` of every request. Default {@link defaultClientUserAgent}. */
  userAgent?: string | undefined;
  /**
   * Field manager of every write that names none itself, and of `apply`. When absent, writes
   * other than apply send {@link defaultFieldManager}(userAgent) and `apply` requires one per
   * call (TypeError).
   * @throws TypeError at construction when empty or longer than 128 UTF-8 bytes.
   */
  fieldManager?: string | undefined;
  /**
   * Called synchronously after each successful, non-dry-run write, before the call resolves
   * (see {@link ClientWriteEvent}): the hook for read-your-writes. An observer that throws is
   * logged (warn, component `client`: `onWrite observer threw; ignored`) and does not fail the write.
   */
  onWrite?: ((event: ClientWriteEvent) => void) | undefined;
  /** Where a throwing `onWrite` is reported. Default: core's `defaultLogger`. */
  logger?: Logger | undefined;
}

/**
 * A typed client over one KubeConfig (see {@link createClient}). Every method takes the resource
 * definition first (`defineResource` or a built-in such as `configMapsResource`), resolves with
 * the server's answer typed as the definition's wire type, and rejects with:
 * - `ApiStatusError` (from `@kubecache/listwatch`) carrying the server's Status for any non-2xx
 *   answer: classify it with `isNotFound`, `isConflict`, `isAlreadyExistsError`, `isInvalid`, …;
 * - `AbortedError` (core) when `signal` fires;
 * - `ResponseDecodeError` for a 2xx body that is not a JSON object;
 * - `TypeError` before any request for a missing name, a missing namespace of a namespaced
 *   resource, or an `apply` without a field manager;
 * - the connection error (`ECONNREFUSED`, …).
 */
export interface Client {
  /** The field manager of writes that name none (the client's, or the derived default). */
  readonly fieldManager: string;
  /** GET one object (client-go `Get`; controller-runtime `client.Get`). */
  get<T extends KubeObject>(
    def: ResourceDef<T>,
    key: ObjectKey,
    options?: ClientRequestOptions,
  ): Promise<T>;
  /** GET one page of a collection (client-go `List`; controller-runtime `client.List`). */
  list<T extends KubeObject>(
    def: ResourceDef<T>,
    options?: ClientListOptions,
  ): Promise<ObjectList<T>>;
  /**
   * POST `object` to its collection (namespace from `object.metadata.namespace`); a taken name is
   * 409 AlreadyExists (`isAlreadyExistsError`).
   */
  create<T extends KubeObject>(
    def: ResourceDef<T>,
    object: NoInfer<T>,
    options?: ClientWriteOptions,
  ): Promise<T>;
  /**
   * PUT `object` over the stored one. Its `metadata.resourceVersion`, when set, is a
   * precondition: a stale one is 409 Conflict (`isConflict`; retry with `retryOnConflict`).
   * Writes to `status` are ignored by resources with a status subresource.
   */
  update<T extends KubeObject>(
    def: ResourceDef<T>,
    object: NoInfer<T>,
    options?: ClientWriteOptions,
  ): Promise<T>;
  /** PATCH one object with a merge, JSON or strategic merge {@link Patch}. */
  patch<T extends KubeObject>(
    def: ResourceDef<T>,
    key: ObjectKey,
    patch: Patch,
    options?: ClientWriteOptions,
  ): Promise<T>;
  /**
   * Server-side apply: PATCH with `Content-Type: application/apply-patch+yaml` (a JSON body is
   * YAML), `fieldManager` and `force` in the query. Needs a server that implements server-side
   * apply (kube-apiserver ≥ 1.18, or `@kubecache/testing`'s in-process server).
   * @throws TypeError when neither `options.fieldManager` nor the client's is set.
   */
  apply<T extends KubeObject>(
    def: ResourceDef<T>,
    configuration: ApplyConfiguration<NoInfer<T>>,
    options?: ClientApplyOptions,
  ): Promise<T>;
  /**
   * DELETE one object. Resolves with the object the server answered (still present with a
   * `deletionTimestamp` while finalizers run, or as it was when deleted), or `undefined` when
   * the server answered a Success Status. A failed precondition is 409 Conflict.
   */
  delete<T extends KubeObject>(
    def: ResourceDef<T>,
    key: ObjectKey,
    options?: ClientDeleteOptions,
  ): Promise<T | undefined>;
  /**
   * PUT `object` to its `/status` subresource: only `status` changes (and metadata's
   * resourceVersion precondition applies). A resource without the subresource answers 404.
   */
  updateStatus<T extends KubeObject>(
    def: ResourceDef<T>,
    object: NoInfer<T>,
    options?: ClientWriteOptions,
  ): Promise<T>;
  /** PATCH the `/status` subresource (see {@link Client.patch}). */
  patchStatus<T extends KubeObject>(
    def: ResourceDef<T>,
    key: ObjectKey,
    patch: Patch,
    options?: ClientWriteOptions,
  ): Promise<T>;
  /** Server-side apply to the `/status` subresource (see {@link Client.apply}). */
  applyStatus<T extends KubeObject>(
    def: ResourceDef<T>,
    configuration: ApplyConfiguration<NoInfer<T>>,
    options?: ClientApplyOptions,
  ): Promise<T>;
  /** Destroys the pooled idle sockets; later calls open new ones. */
  close(): void;
}

/** The `User-Agent` of a client that names none. */
export const defaultClientUserAgent = 'kubecache-controller';

/**
 * Creates a typed {@link Client} for the current cluster of `kubeConfig` (a @kubernetes/client-node
 * `KubeConfig` 1.4 or 2.x: TLS material and credentials, rotating tokens and exec plugins, applied
 * per request; keep-alive connections pooled). `close()` it when done.
 *
 * @example
 * ```ts
 * const client = createClient(kc, { fieldManager: 'foo-controller' });
 * const cm = await client.get(configMapsResource, { namespace: 'default', name: 'x' });
 * await client.patch(Foo, { namespace: 'default', name: 'a' }, mergePatch({ spec: { replicas: 2 } }));
 * await client.apply(Foo, { metadata: { name: 'a', namespace: 'default' }, spec: { replicas: 2 } },
 *   { force: true });
 * ```
 * @throws TypeError when `fieldManager` is empty or longer than 128 UTF-8 bytes.
 * @throws Error when the KubeConfig has no current cluster or its server is not http(s)://.
 */
export function createClient(kubeConfig: KubeConfigLike, options: ClientOptions = {}): Client {
  const userAgent = options.userAgent ?? defaultClientUserAgent;
  const explicitManager = options.fieldManager;
  if (explicitManager !== undefined) checkFieldManager(explicitManager, 'createClient');
  const derived = defaultFieldManager(userAgent);
  const fieldManager = explicitManager ?? (derived === '' ? defaultClientUserAgent : derived);
  const logger = options.logger ?? defaultLogger;
  const http: ClientHttp = createClientHttp(kubeConfig, userAgent);

  function notify(
    def: ResourceDef,
    verb: ClientWriteVerb,
    subresource: 'status' | undefined,
    key: ObjectKey,
    namespace: string | undefined,
    answer: KubeObject | undefined,
  ): void {
    const onWrite = options.onWrite;
    if (onWrite === undefined) return;
    try {
      onWrite({
        resource: def,
        namespace,
        name: answer?.metadata?.name ?? key.name,
        verb,
        subresource,
        resourceVersion: answer?.metadata?.resourceVersion,
        uid: answer?.metadata?.uid,
        object: answer,
      });
    } catch (err) {
      logger.warn(
        {
          component: 'client',
          err: toError(err),
          resource: def.plural,
          namespace,
          name: key.name,
          verb,
        },
        'onWrite observer threw; ignored',
      );
    }
  }

  function writeQuery(o: ClientWriteOptions | undefined): Record<string, string | undefined> {
    const manager = o?.fieldManager ?? fieldManager;
    checkFieldManager(manager, 'write');
    return { fieldManager: manager, dryRun: o?.dryRun === true ? 'All' : undefined };
  }

  async function write(
    def: ResourceDef,
    verb: Exclude<ClientWriteVerb, 'delete'>,
    subresource: 'status' | undefined,
    key: ObjectKey,
    request: {
      method: 'POST' | 'PUT' | 'PATCH';
      collection?: boolean;
      body: unknown;
      contentType?: string;
      query: Record<string, string | undefined>;
      signal: AbortSignal | undefined;
      dryRun: boolean;
    },
  ): Promise<KubeObject> {
    // A create may leave the name to the server (metadata.generateName).
    const namespace = scopedKey(def, key, verb, request.collection !== true);
    const base = collectionPath(def, namespace);
    const path =
      request.collection === true
        ? base
        : `${base}/${encodeURIComponent(key.name)}${subresource !== undefined ? `/${subresource}` : ''}`;
    const answer = asObject(
      await http.request({
        method: request.method,
        path,
        query: request.query,
        body: request.body,
        contentType: request.contentType,
        signal: request.signal,
      }),
      `${request.method} ${path}`,
    );
    if (!request.dryRun) notify(def, verb, subresource, key, namespace, answer);
    return answer;
  }

  function apply(
    def: ResourceDef,
    configuration: ApplyConfiguration<KubeObject>,
    o: ClientApplyOptions | undefined,
    subresource: 'status' | undefined,
  ): Promise<KubeObject> {
    const manager = o?.fieldManager ?? explicitManager;
    if (manager === undefined) {
      throw new TypeError(
        `apply ${def.plural}: server-side apply needs a fieldManager (in the call's options or createClient's)`,
      );
    }
    checkFieldManager(manager, 'apply');
    return write(def, 'apply', subresource, keyOf(configuration), {
      method: 'PATCH',
      body: withTypeMeta(def, configuration),
      contentType: patchContentTypes.apply,
      query: {
        fieldManager: manager,
        force: o?.force === true ? 'true' : undefined,
        dryRun: o?.dryRun === true ? 'All' : undefined,
      },
      signal: o?.signal,
      dryRun: o?.dryRun === true,
    });
  }

  const client: Client = {
    fieldManager,
    async get<T extends KubeObject>(def: ResourceDef<T>, key: ObjectKey, o?: ClientRequestOptions) {
      const namespace = scopedKey(def, key, 'get');
      const path = `${collectionPath(def, namespace)}/${encodeURIComponent(key.name)}`;
      return asObject(
        await http.request({ method: 'GET', path, signal: o?.signal }),
        `GET ${path}`,
      ) as T;
    },
    async list<T extends KubeObject>(def: ResourceDef<T>, o?: ClientListOptions) {
      const path = collectionPath(def, o?.namespace === '' ? undefined : o?.namespace);
      const answer = await http.request({
        method: 'GET',
        path,
        query: {
          labelSelector: o?.labelSelector,
          fieldSelector: o?.fieldSelector,
          limit: o?.limit !== undefined ? String(o.limit) : undefined,
          continue: o?.continue,
          resourceVersion: o?.resourceVersion,
        },
        signal: o?.signal,
      });
      const list = asObject(answer, `GET ${path}`) as unknown as Partial<ObjectList<T>>;
      if (!Array.isArray(list.items)) {
        throw new ResponseDecodeError(`GET ${path}: the answer is not a list (no items)`, 200);
      }
      return { ...list, metadata: list.metadata ?? {}, items: list.items };
    },
    async create<T extends KubeObject>(def: ResourceDef<T>, object: T, o?: ClientWriteOptions) {
      return (await write(def, 'create', undefined, keyOf(object), {
        method: 'POST',
        collection: true,
        body: withTypeMeta(def, object),
        query: writeQuery(o),
        signal: o?.signal,
        dryRun: o?.dryRun === true,
      })) as T;
    },
    async update<T extends KubeObject>(def: ResourceDef<T>, object: T, o?: ClientWriteOptions) {
      return (await write(def, 'update', undefined, keyOf(object), {
        method: 'PUT',
        body: withTypeMeta(def, object),
        query: writeQuery(o),
        signal: o?.signal,
        dryRun: o?.dryRun === true,
      })) as T;
    },
    async patch<T extends KubeObject>(
      def: ResourceDef<T>,
      key: ObjectKey,
      patch: Patch,
      o?: ClientWriteOptions,
    ) {
      const { contentType, body } = encodePatch(patch);
      return (await write(def, 'patch', undefined, key, {
        method: 'PATCH',
        body,
        contentType,
        query: writeQuery(o),
        signal: o?.signal,
        dryRun: o?.dryRun === true,
      })) as T;
    },
    async apply<T extends KubeObject>(
      def: ResourceDef<T>,
      configuration: ApplyConfiguration<T>,
      o?: ClientApplyOptions,
    ) {
      return (await apply(def, configuration, o, undefined)) as T;
    },
    async delete<T extends KubeObject>(
      def: ResourceDef<T>,
      key: ObjectKey,
      o?: ClientDeleteOptions,
    ) {
      const namespace = scopedKey(def, key, 'delete');
      const path = `${collectionPath(def, namespace)}/${encodeURIComponent(key.name)}`;
      const pre = o?.preconditions;
      const body = {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        ...(o?.propagationPolicy !== undefined ? { propagationPolicy: o.propagationPolicy } : {}),
        ...(o?.gracePeriodSeconds !== undefined
          ? { gracePeriodSeconds: o.gracePeriodSeconds }
          : {}),
        ...(pre !== undefined && (pre.uid !== undefined || pre.resourceVersion !== undefined)
          ? {
              preconditions: {
                ...(pre.uid !== undefined ? { uid: pre.uid } : {}),
                ...(pre.resourceVersion !== undefined
                  ? { resourceVersion: pre.resourceVersion }
                  : {}),
              },
            }
          : {}),
        ...(o?.dryRun === true ? { dryRun: ['All'] } : {}),
      };
      const answer = await http.request({ method: 'DELETE', path, body, signal: o?.signal });
      const object =
        typeof answer === 'object' &&
        answer !== null &&
        !Array.isArray(answer) &&
        (answer as { kind?: unknown }).kind !== 'Status'
          ? (answer as T)
          : undefined;
      if (o?.dryRun !== true) notify(def, 'delete', undefined, key, namespace, object);
      return object;
    },
    async updateStatus<T extends KubeObject>(
      def: ResourceDef<T>,
      object: T,
      o?: ClientWriteOptions,
    ) {
      return (await write(def, 'update', 'status', keyOf(object), {
        method: 'PUT',
        body: withTypeMeta(def, object),
        query: writeQuery(o),
        signal: o?.signal,
        dryRun: o?.dryRun === true,
      })) as T;
    },
    async patchStatus<T extends KubeObject>(
      def: ResourceDef<T>,
      key: ObjectKey,
      patch: Patch,
      o?: ClientWriteOptions,
    ) {
      const { contentType, body } = encodePatch(patch);
      return (await write(def, 'patch', 'status', key, {
        method: 'PATCH',
        body,
        contentType,
        query: writeQuery(o),
        signal: o?.signal,
        dryRun: o?.dryRun === true,
      })) as T;
    },
    async applyStatus<T extends KubeObject>(
      def: ResourceDef<T>,
      configuration: ApplyConfiguration<T>,
      o?: ClientApplyOptions,
    ) {
      return (await apply(def, configuration, o, 'status')) as T;
    },
    close() {
      http.close();
    },
  };
  return client;
}
