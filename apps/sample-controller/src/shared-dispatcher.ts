// One keep-alive connection pool for the reconciler's client-node writes. client-node 2.x's
// KubeConfig.applySecurityAuthentication builds a new undici Agent for every request whose
// cluster has TLS options (a CA, a client certificate, or insecure-skip-tls-verify), so every
// write opens its own connection, and the Agent with its socket, parser and buffers lives until
// the server or undici's keep-alive timeout closes it: ~1,000 of them at once while the sample
// controller reconciled 3,000 Foos with 8 workers (tools/bench/SHARDING.md, "Memory").
import { createHash } from 'node:crypto';
import type { AgentOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** What {@link withSharedDispatcher} returns: the wrapped KubeConfig and a way to close its pool. */
export interface SharedDispatcherKubeConfig {
  /** Use for `makeApiClient`: its API clients share one dispatcher per TLS configuration. */
  readonly kubeConfig: KubeConfig;
  /** Closes the shared dispatcher (requests in flight finish first). Resolves when closed. */
  close(): Promise<void>;
}

type Dispatcher = NonNullable<
  ReturnType<Parameters<KubeConfig['applySecurityAuthentication']>[0]['getDispatcher']>
>;

/**
 * Wraps `kubeConfig` so that the API clients made from the result (`makeApiClient`) send every
 * request through one undici dispatcher while the TLS configuration of the current cluster and
 * user (CA, client certificate and key, servername, rejectUnauthorized, proxy) stays the same.
 * The configuration is read per request (as client-node does, so a certificate an exec plugin
 * rotates is picked up); when it changes, the new request's dispatcher becomes the shared one
 * and the old one is closed once its requests finished. Credentials sent as headers (tokens)
 * are still applied per request by client-node. Follows client-go's transport cache
 * (k8s.io/client-go/transport/cache.go: one transport per TLS configuration).
 *
 * Differs from client-node 2.x, which builds a new Agent (so a new connection) per request.
 */
export function withSharedDispatcher(kubeConfig: KubeConfig): SharedDispatcherKubeConfig {
  let shared: { key: string; dispatcher: Dispatcher } | undefined;
  const retired: Promise<void>[] = [];
  const keyOf = async (): Promise<string> => {
    const options: AgentOptions = {};
    await kubeConfig.applyToHTTPSOptions(options);
    const dispatcherOptions = kubeConfig.createDispatcherOptions(
      kubeConfig.getCurrentCluster(),
      options,
    );
    const text = JSON.stringify(dispatcherOptions, (_key, value: unknown) =>
      Buffer.isBuffer(value) ? value.toString('base64') : value,
    );
    return createHash('sha256').update(text).digest('hex');
  };
  const wrapped = Object.create(kubeConfig, {
    applySecurityAuthentication: {
      value: async (
        context: Parameters<KubeConfig['applySecurityAuthentication']>[0],
      ): Promise<void> => {
        await kubeConfig.applySecurityAuthentication(context);
        const fresh = context.getDispatcher();
        if (fresh === undefined) return; // no TLS options: undici's global dispatcher, shared
        const key = await keyOf();
        if (shared?.key === key) {
          context.setDispatcher(shared.dispatcher);
          void fresh.close().catch(() => undefined); // never connected
          return;
        }
        if (shared !== undefined) retired.push(shared.dispatcher.close().catch(() => undefined));
        shared = { key, dispatcher: fresh };
      },
    },
  }) as KubeConfig;
  return {
    kubeConfig: wrapped,
    async close() {
      const last = shared?.dispatcher;
      shared = undefined;
      await Promise.all([...retired, last?.close().catch(() => undefined)]);
    },
  };
}
