// A simulated shard for the property test: it holds its membership, watches only the objects
// labelled for it (the shard selector), "reconciles" (claims) those without a drain label,
// and acknowledges drains by removing both labels. Every claim goes through one registry that
// records any object claimed by two shard incarnations at once.
import { silentLogger, type KubeObject, type ResourceDef } from '@kubecache/core';
import { createSharedInformerFactory, type SharedInformerFactory } from '@kubecache/informer';
import { createJsonClient, collectionPath, type JsonClient } from '@kubecache/listwatch';
import type { ApiServer } from '@kubecache/testing';
import { isShardMembershipLostError } from '../errors.js';
import { drainLabel, shardLabel, shardSelector } from '../labels.js';
import { runShardMembership } from '../membership.js';
import { startProxy, type Proxy } from './proxy.js';

/** Who reconciles what, as the shards themselves believe, checked at every claim. */
export class ClaimRegistry {
  private readonly holders = new Map<string, Set<string>>();
  readonly violations: string[] = [];
  claim(obj: string, who: string): void {
    let set = this.holders.get(obj);
    if (set === undefined) {
      set = new Set();
      this.holders.set(obj, set);
    }
    set.add(who);
    if (set.size > 1) this.violations.push(`${obj} claimed by ${[...set].join(' and ')}`);
  }
  release(obj: string, who: string): void {
    this.holders.get(obj)?.delete(who);
  }
  /** The single holder's shard id of `obj` (`shard#incarnation` → `shard`), if exactly one. */
  holderOf(obj: string): string | undefined {
    const set = this.holders.get(obj);
    if (set?.size !== 1) return undefined;
    return [...set][0]?.split('#')[0];
  }
}

const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

interface Incarnation {
  readonly who: string;
  readonly stop: AbortController;
  readonly claims: Set<string>;
  alive: boolean;
  factory?: SharedInformerFactory;
}

/** Options of {@link SimShard}. */
export interface SimShardOptions {
  ring: string;
  resources: readonly ResourceDef[];
  registry: ClaimRegistry;
  /** Membership timings. */
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** A simulated shard process (restarts after losing its membership, as a crashed pod would). */
export class SimShard {
  state: 'running' | 'killed' | 'left' = 'running';
  private incarnations = 0;
  private current: Incarnation | undefined;
  private proxy!: Proxy;
  private client!: JsonClient;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly memberships: Promise<void>[] = [];

  readonly id: string;
  private readonly o: SimShardOptions;

  private constructor(id: string, o: SimShardOptions) {
    this.id = id;
    this.o = o;
  }

  static async start(server: ApiServer, id: string, o: SimShardOptions): Promise<SimShard> {
    const s = new SimShard(id, o);
    s.proxy = await startProxy(server);
    s.client = createJsonClient(s.proxy.kubeConfig);
    s.startIncarnation();
    return s;
  }

  /** Whether its current incarnation holds its membership. */
  isMember(): boolean {
    return this.current?.alive === true && this.current.factory !== undefined;
  }

  /** Delays what the server sends this shard by `ms` (its watch events arrive late). */
  setLinkDelay(ms: number): void {
    this.proxy.setDelay(ms);
  }

  isPartitioned(): boolean {
    return this.proxy.isCut();
  }

  private startIncarnation(): void {
    const inc: Incarnation = {
      who: `${this.id}#${String(++this.incarnations)}`,
      stop: new AbortController(),
      claims: new Set(),
      alive: true,
    };
    this.current = inc;
    const membership = runShardMembership({
      kubeConfig: this.proxy.kubeConfig,
      namespace: 'ns',
      ring: this.o.ring,
      shardId: this.id,
      leaseDurationMs: this.o.leaseDurationMs,
      renewDeadlineMs: this.o.renewDeadlineMs,
      retryPeriodMs: this.o.retryPeriodMs,
      signal: inc.stop.signal,
      logger: silentLogger,
      onAcquired: () => this.startWork(inc),
    });
    this.memberships.push(
      membership.then(
        () => undefined,
        (err: unknown) => {
          if (!isShardMembershipLostError(err)) throw err;
          // Never half-alive: stop every reconcile at once, then restart as a new process.
          this.stopWork(inc);
          if (this.state === 'running' && this.current === inc) {
            this.restartTimer = setTimeout(() => {
              if (this.state === 'running') this.startIncarnation();
            }, 200);
          }
        },
      ),
    );
  }

  private startWork(inc: Incarnation): void {
    if (!inc.alive) return;
    const factory = createSharedInformerFactory(this.proxy.kubeConfig, {
      labelSelector: shardSelector(this.o.ring, this.id),
      logger: silentLogger,
    });
    inc.factory = factory;
    const informers = this.o.resources.map((def) => ({ def, inf: factory.forResource(def) }));
    const acked = new Map<string, string>();
    const shardKey = shardLabel(this.o.ring);
    const drainKey = drainLabel(this.o.ring);
    const evaluate = (): void => {
      if (!inc.alive) return;
      const inCache = new Set<string>();
      for (const { def, inf } of informers) {
        for (const obj of inf.getStore().list()) {
          const meta = obj.metadata ?? {};
          if (meta.labels?.[shardKey] !== this.id) continue;
          const id = `${def.kind}/${meta.namespace ?? ''}/${meta.name ?? ''}`;
          inCache.add(id);
          if (meta.labels[drainKey] === 'true') {
            // Stop reconciling first, then acknowledge.
            inc.claims.delete(id);
            this.o.registry.release(id, inc.who);
            if (acked.get(id) !== meta.resourceVersion) {
              acked.set(id, meta.resourceVersion ?? '');
              void this.acknowledge(def, obj, inc).catch(() => acked.delete(id));
            }
          } else if (!inc.claims.has(id)) {
            inc.claims.add(id);
            this.o.registry.claim(id, inc.who);
          }
        }
      }
      for (const id of [...inc.claims]) {
        if (!inCache.has(id)) {
          inc.claims.delete(id);
          this.o.registry.release(id, inc.who);
        }
      }
    };
    for (const { inf } of informers) inf.onStoreChange(evaluate);
    const tick = setInterval(evaluate, 200);
    inc.stop.signal.addEventListener('abort', () => clearInterval(tick), { once: true });
    factory.start(inc.stop.signal);
  }

  private async acknowledge(def: ResourceDef, obj: KubeObject, inc: Incarnation): Promise<void> {
    const meta = obj.metadata ?? {};
    const path = `${collectionPath({ group: def.group, version: def.version, resource: def.plural, namespace: meta.namespace ?? '' })}/${meta.name ?? ''}`;
    await this.client.request({
      method: 'PATCH',
      path,
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: meta.resourceVersion },
        { op: 'remove', path: `/metadata/labels/${escape(drainLabel(this.o.ring))}` },
        { op: 'remove', path: `/metadata/labels/${escape(shardLabel(this.o.ring))}` },
      ],
      signal: AbortSignal.any([inc.stop.signal, AbortSignal.timeout(2000)]),
    });
  }

  private stopWork(inc: Incarnation): void {
    inc.alive = false;
    for (const id of inc.claims) this.o.registry.release(id, inc.who);
    inc.claims.clear();
    void inc.factory?.shutdown();
  }

  /** A crash: stops all work at once; the Lease stays until the sharder declares it dead. */
  kill(): void {
    this.state = 'killed';
    this.proxy.cut();
    clearTimeout(this.restartTimer);
    const inc = this.current;
    if (inc !== undefined) {
      this.stopWork(inc);
      inc.stop.abort();
    }
  }

  /** A graceful leave: stop reconciling, then delete the Lease. */
  async leave(): Promise<void> {
    this.state = 'left';
    clearTimeout(this.restartTimer);
    const inc = this.current;
    if (inc !== undefined) {
      this.stopWork(inc);
      inc.stop.abort();
    }
    await Promise.all(this.memberships);
  }

  /** Cuts this shard off the API server for `ms`; it keeps working until its membership fails. */
  async partition(ms: number): Promise<void> {
    this.proxy.cut();
    await new Promise((r) => setTimeout(r, ms));
    if (this.state !== 'killed') this.proxy.heal();
  }

  /** Stops everything (end of test). */
  async close(): Promise<void> {
    if (this.state === 'running') await this.leave();
    else await Promise.allSettled(this.memberships);
    this.client.close();
    await this.proxy.close();
  }
}
