// A kubeconfig that does not match its server (CA, scheme) is reported as a ServerConfigError
// that names the server URL and what to change, and is non-retriable — over real HTTP(S) against
// the in-process API server.
import net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isNonRetriable } from './errors.js';
import { createListWatch } from './listwatch.js';
import { isServerConfigError, type ServerConfigErrorKind } from './server-config-error.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function server(tls: boolean): Promise<ApiServer> {
  const s = await startApiServer({ tls });
  servers.push(s);
  return s;
}

function kubeConfig(yaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

/** Lists pods once with `kc`; returns what the list rejected with. */
async function listError(kc: KubeConfig): Promise<unknown> {
  const lw = createListWatch(kc, { group: '', version: 'v1', resource: 'pods' });
  try {
    await lw.list({});
  } catch (err) {
    return err;
  } finally {
    lw.close();
  }
  throw new Error('the list succeeded');
}

async function expectConfigError(
  kc: KubeConfig,
  kind: ServerConfigErrorKind,
  message: RegExp,
): Promise<void> {
  const err = await listError(kc);
  expect(isServerConfigError(err), String(err)).toBe(true);
  if (!isServerConfigError(err)) return;
  expect(err.kind).toBe(kind);
  expect(err.server).toBe(kc.getCurrentCluster()?.server);
  expect(err.cluster).toBe('kubecache-testing');
  expect(err.message).toMatch(message);
  expect(err.message).not.toContain('\n');
  expect(err.cause).toBeInstanceOf(Error);
  expect(isNonRetriable(err)).toBe(true);
}

describe('ServerConfigError: the kubeconfig does not match the server', () => {
  it('a TLS server whose CA the kubeconfig lacks: untrusted certificate, names the server and cluster', async () => {
    const s = await server(true);
    const kc = kubeConfig(s.kubeConfigYaml().replace(/^\s+certificate-authority-data: .*\n/m, ''));
    await expectConfigError(
      kc,
      'untrusted-certificate',
      new RegExp(
        `^the server ${s.url} presented a certificate the kubeconfig's CA does not trust \\(unable to verify the first certificate.*\\): check certificate-authority\\(-data\\) of cluster "kubecache-testing"$`,
      ),
    );
  });

  it('http:// naming a TLS port: the server speaks TLS, use https://', async () => {
    const s = await server(true);
    const httpUrl = s.url.replace('https:', 'http:');
    const kc = kubeConfig(
      s
        .kubeConfigYaml()
        .replace(s.url, httpUrl)
        .replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true'),
    );
    await expectConfigError(
      kc,
      'server-speaks-tls',
      new RegExp(
        `^the server ${httpUrl} speaks TLS, not plain HTTP \\(.*\\): use ${s.url} as server of cluster "kubecache-testing"$`,
      ),
    );
  });

  it('https:// naming a plain-HTTP port: the server speaks plain HTTP, use http://', async () => {
    const s = await server(false);
    const httpsUrl = s.url.replace('http:', 'https:');
    const kc = kubeConfig(s.kubeConfigYaml().replace(s.url, httpsUrl));
    await expectConfigError(
      kc,
      'server-speaks-http',
      new RegExp(
        `^the server ${httpsUrl} speaks plain HTTP, not TLS \\(.*\\): use ${s.url} as server of cluster "kubecache-testing"$`,
      ),
    );
  });

  it('a certificate for another host (tls-server-name): names the host mismatch', async () => {
    const s = await server(true);
    const kc = kubeConfig(
      s
        .kubeConfigYaml()
        .replace(/(certificate-authority-data: .*)/, '$1\n    tls-server-name: other.example'),
    );
    await expectConfigError(
      kc,
      'certificate-name',
      /presented a certificate for another host \(.*other\.example.*\): .*tls-server-name of cluster "kubecache-testing"$/,
    );
  });

  it('http:// to kube-apiserver’s TLS port: Go’s 400 “Client sent an HTTP request to an HTTPS server”', async () => {
    // What Go's net/http (kube-apiserver) writes on a TLS port when the first bytes are HTTP.
    const goTls = net.createServer((socket) => {
      socket.once('data', () => {
        socket.end(
          'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n',
        );
      });
    });
    await new Promise<void>((resolve) => goTls.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = goTls.address() as net.AddressInfo;
      const s = await server(false);
      const httpUrl = `http://127.0.0.1:${String(port)}`;
      const kc = kubeConfig(s.kubeConfigYaml().replace(s.url, httpUrl));
      await expectConfigError(
        kc,
        'server-speaks-tls',
        new RegExp(
          `^the server ${httpUrl} speaks TLS, not plain HTTP \\(Client sent an HTTP request to an HTTPS server\\.\\): use https://127\\.0\\.0\\.1:${String(port)} as server of cluster "kubecache-testing"$`,
        ),
      );
    } finally {
      await new Promise((resolve) => goTls.close(resolve));
    }
  });

  it('a plain-HTTP server that resets a connection is not mistaken for a TLS one', async () => {
    const reset = net.createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => reset.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = reset.address() as net.AddressInfo;
      const s = await server(false);
      const kc = kubeConfig(s.kubeConfigYaml().replace(s.url, `http://127.0.0.1:${String(port)}`));
      const err = await listError(kc);
      expect(isServerConfigError(err), String(err)).toBe(false);
      expect((err as NodeJS.ErrnoException).code).toBe('ECONNRESET');
      expect(isNonRetriable(err)).toBe(false);
    } finally {
      await new Promise((resolve) => reset.close(resolve));
    }
  });
});
