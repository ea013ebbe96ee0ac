import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { discoverNamespaced } from './discovery.js';
import { isApiStatusError } from './errors.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('discoverNamespaced', () => {
  it('reads the scope of core, grouped and custom resources from discovery', async () => {
    const s = await startApiServer({
      resources: [
        {
          group: 'example.com',
          version: 'v1',
          resource: 'widgets',
          kind: 'Widget',
          namespaced: false,
        },
      ],
    });
    servers.push(s);
    const kc = s.kubeConfig;
    expect(await discoverNamespaced(kc, { group: '', version: 'v1', resource: 'pods' })).toBe(true);
    expect(await discoverNamespaced(kc, { group: '', version: 'v1', resource: 'nodes' })).toBe(
      false,
    );
    expect(
      await discoverNamespaced(kc, { group: 'example.com', version: 'v1', resource: 'widgets' }),
    ).toBe(false);
    expect(await discoverNamespaced(kc, { group: '', version: 'v1', resource: 'nope' })).toBe(
      undefined,
    );
    // An unknown group version: 404 from kube-apiserver (the in-process server may list nothing).
    const unknown = await discoverNamespaced(kc, {
      group: 'nope.io',
      version: 'v1',
      resource: 'x',
    }).catch((e: unknown) => e);
    expect(unknown === undefined || (isApiStatusError(unknown) && unknown.code === 404)).toBe(true);
  });
});
