// The QoS class kube-apiserver stores in a new pod's status (pkg/apis/core/helper/qos/qos.go
// ComputePodQOS, applied by the pod strategy's PrepareForCreate after the v1 defaulting that copies
// a container's limits into its missing requests, pkg/apis/core/v1/defaults.go SetDefaults_Pod).

/** The QoS classes of a pod. */
export type PodQosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

interface ContainerShape {
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

const binary: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const decimal: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/**
 * A resource quantity (`"100m"`, `"1.5Gi"`, `"2"`, `2`, `"1e3"`) in nano-units, rounded up as
 * apimachinery's resource.Quantity rounds values below its precision; undefined when it does not
 * parse.
 */
export function quantityNanos(q: unknown): bigint | undefined {
  const text = typeof q === 'number' ? String(q) : typeof q === 'string' ? q.trim() : undefined;
  if (text === undefined) return undefined;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/.exec(
    text,
  );
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const [, sign, whole = '', frac = '', suffix = '', exp] = m;
  const exp10 = 9 - frac.length + (exp !== undefined ? Number(exp) : (decimal[suffix] ?? 0));
  let value = BigInt(`${whole}${frac}` || '0');
  if (binary[suffix] !== undefined) value *= 1024n ** BigInt(binary[suffix]);
  if (exp10 >= 0) value *= 10n ** BigInt(exp10);
  else {
    const d = 10n ** BigInt(-exp10);
    value = (value + d - 1n) / d;
  }
  return sign === '-' ? -value : value;
}

/**
 * The QoS class of a pod's spec: BestEffort when no container (init containers included) requests
 * or limits cpu or memory, Guaranteed when every container limits both and every request equals
 * its limit (a missing request defaults to the limit), Burstable otherwise.
 */
export function podQosClass(spec: unknown): PodQosClass {
  const s = (spec ?? {}) as { containers?: ContainerShape[]; initContainers?: ContainerShape[] };
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const add = (to: Map<string, bigint>, name: string, q: unknown): boolean => {
    if (name !== 'cpu' && name !== 'memory') return false;
    const n = quantityNanos(q);
    if (n === undefined || n <= 0n) return false;
    to.set(name, (to.get(name) ?? 0n) + n);
    return true;
  };
  for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) {
    const lim = c.resources?.limits ?? {};
    // SetDefaults_Pod: a limit without a request makes the request equal to the limit.
    const req = { ...lim, ...(c.resources?.requests ?? {}) };
    for (const [name, q] of Object.entries(req)) add(requests, name, q);
    const found = new Set<string>();
    for (const [name, q] of Object.entries(lim)) if (add(limits, name, q)) found.add(name);
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, r] of requests) {
      if (limits.get(name) !== r) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
