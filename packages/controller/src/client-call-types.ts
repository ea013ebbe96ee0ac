// What the calls of `createClient`'s client take and answer: the key of an object, the options
// of each verb (k8s.io/apimachinery metav1 GetOptions, ListOptions, CreateOptions, UpdateOptions,
// PatchOptions, DeleteOptions), one page of a list (metav1.List), and an apply configuration
// (controller-runtime's `runtime.ApplyConfiguration`).

/** The object a client call names: `name`, and `namespace` for namespaced resources. */
export interface ObjectKey {
  /** Required for namespaced resources; ignored for cluster-scoped ones. */
  readonly namespace?: string | undefined;
  readonly name: string;
}

/** Options of every call. */
export interface ClientRequestOptions {
  /** Aborting rejects the call with core's `AbortedError` and destroys its socket. */
  signal?: AbortSignal | undefined;
}

/** Options of create, update, patch and their `/status` forms (metav1 CreateOptions et al.). */
export interface ClientWriteOptions extends ClientRequestOptions {
  /**
   * The `fieldManager` query parameter: who owns the fields this write sets (managedFields).
   * Default: the client's `fieldManager`, else one derived from its User-Agent as kube-apiserver
   * derives it ({@link defaultFieldManager}).
   */
  fieldManager?: string | undefined;
  /** `dryRun=All`: the server validates and answers, but stores nothing. `onWrite` is not called. */
  dryRun?: boolean | undefined;
}

/** Options of {@link Client.apply} (metav1 PatchOptions for `application/apply-patch+yaml`). */
export interface ClientApplyOptions extends ClientRequestOptions {
  /**
   * The field manager owning the applied fields. Required: here or as the client's
   * `fieldManager` (never derived from the User-Agent: an apply configuration belongs to one
   * named manager, and kube-apiserver refuses an apply without one).
   */
  fieldManager?: string | undefined;
  /** `force=true`: take over fields other managers own instead of failing with 409 Conflict. */
  force?: boolean | undefined;
  /** `dryRun=All` (see {@link ClientWriteOptions.dryRun}). */
  dryRun?: boolean | undefined;
}

/** Options of {@link Client.delete} (metav1 DeleteOptions, sent as the request body). */
export interface ClientDeleteOptions extends ClientRequestOptions {
  /** How dependents are garbage-collected. Default: the resource's (Background for most). */
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground' | undefined;
  /** The delete fails with 409 Conflict unless the object still has this uid / resourceVersion. */
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  /** Seconds before the object is deleted (pods); 0 deletes at once. Default: the object's. */
  gracePeriodSeconds?: number | undefined;
  /** `dryRun: ['All']`: nothing is deleted. `onWrite` is not called. */
  dryRun?: boolean | undefined;
}

/** Options of {@link Client.list} (metav1 ListOptions). */
export interface ClientListOptions extends ClientRequestOptions {
  /** Namespace to list in; all namespaces when absent (namespaced resources). */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size; continue with the answer's `metadata.continue`. */
  limit?: number | undefined;
  continue?: string | undefined;
  /** `resourceVersion` semantics of the API (`0`: any cached state is fine). */
  resourceVersion?: string | undefined;
}

/** What {@link Client.list} resolves with: one page of objects. */
export interface ObjectList<T> {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly resourceVersion?: string;
    readonly continue?: string;
    readonly remainingItemCount?: number;
  };
  readonly items: T[];
}

/** Every field optional, recursively: the shape of an apply configuration's content. */
export type DeepPartial<T> = T extends readonly (infer E)[]
  ? DeepPartial<E>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * An apply configuration (controller-runtime `runtime.ApplyConfiguration`): only the fields the
 * manager wants to own, with `metadata.name` (and `namespace` for namespaced resources).
 * `apiVersion` and `kind` are filled from the definition when absent.
 */
export type ApplyConfiguration<T> = DeepPartial<T> & {
  metadata: { name: string; namespace?: string | undefined };
};
