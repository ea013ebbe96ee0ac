// The seed's KubeReflectorTest toy, as a CommonJS consumer of @kubecache/reflector alone.
const { KubeConfig } = require('@kubernetes/client-node');
const {
  Reflector,
  createListWatch,
  createStore,
  metaNamespaceKeyFunc,
} = require('@kubecache/reflector');

async function main() {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const store = createStore(metaNamespaceKeyFunc);
  const lw = createListWatch(kc, { group: '', version: 'v1', resource: 'pods' });
  const ac = new AbortController();
  const done = new Reflector(lw, store).run(ac.signal);
  const expect = Number(process.env.SMOKE_EXPECT || '1');
  const deadline = Date.now() + 20000;
  while (store.listKeys().length < expect && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  console.log(`keys: ${store.listKeys().sort().join(' ')}`);
  ac.abort();
  await done;
  process.exitCode = store.listKeys().length >= expect ? 0 : 1;
}
main();
