// Errors retrying cannot fix end pod-printer at once with exit code 2 and one line carrying the
// server's message (as kubectl fails), instead of retrying forever. The built binary against the
// in-process API server, over real HTTP with a real KubeConfig.
import { describe, expect, it } from 'vitest';
import { exitCode, run, startServer, until, writeKubeconfig } from './test-support/binary.js';

/** Asserts exit 2, nothing on stdout, and exactly one stderr line matching `line`. */
async function expectGaveUp(p: ReturnType<typeof run>, line: RegExp): Promise<void> {
  expect(await exitCode(p)).toBe(2);
  expect(p.out()).toBe('');
  const lines = p.err().trimEnd().split('\n');
  expect(lines, p.err()).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  expect(p.err()).not.toMatch(/\n\s+at /); // no stack trace
}

describe('pod-printer exits 2 on errors retrying cannot fix', () => {
  it('an invalid label selector: 400 with the parser message of the server', async () => {
    const { kubeconfig } = await startServer();
    const p = run(['--kubeconfig', kubeconfig, '-o', 'lines', '-l', 'app in (a']);
    await expectGaveUp(
      p,
      /^pod-printer: the server refused the request: .*"app in \(a".* \(400 BadRequest\); check --selector/,
    );
  });

  it('a wrong token: 401, and no token (wrong or right) appears in the output', async () => {
    const { server } = await startServer(3, { token: 'the-right-token-1234' });
    const yaml = server.kubeConfigYaml();
    expect(yaml).toContain('the-right-token-1234');
    const kubeconfig = writeKubeconfig(yaml.replace('the-right-token-1234', 'wrong-token-5678'));
    const p = run(['--kubeconfig', kubeconfig, '-o', 'lines']);
    await expectGaveUp(
      p,
      /^pod-printer: unauthorized: .*\(401 Unauthorized\); check the credentials in the kubeconfig$/,
    );
    expect(p.err() + p.out()).not.toMatch(/wrong-token-5678|the-right-token-1234|Bearer/);
  });

  it('RBAC refuses: 403 (the server injects it on every request) with its message', async () => {
    const { server, kubeconfig } = await startServer();
    server.faults.nextResponses(100, {
      status: 403,
      body: JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message:
          'pods is forbidden: User "system:serviceaccount:default:printer" cannot list resource "pods" in API group "" at the cluster scope',
      }),
    });
    const p = run(['--kubeconfig', kubeconfig, '-o', 'lines']);
    await expectGaveUp(
      p,
      /^pod-printer: forbidden: pods is forbidden: User "system:serviceaccount:default:printer" cannot list .* \(403 Forbidden\); check RBAC: list and watch pods$/,
    );
  });

  it('the server does not serve the resource: 404', async () => {
    const { server, kubeconfig } = await startServer();
    server.faults.nextResponses(100, { status: 404 });
    const p = run(['--kubeconfig', kubeconfig, '-o', 'lines']);
    await expectGaveUp(
      p,
      /^pod-printer: not found: .*\(404 NotFound\); does the server serve pods/,
    );
  });

  it('a 403 after the initial sync also ends it (the watch is refused on reconnect)', async () => {
    const { server, kubeconfig } = await startServer();
    const p = run(['--kubeconfig', kubeconfig, '-o', 'lines', '--interval', '1h']);
    await until(() => p.out().includes('SYNCED 3 pods'), 'sync');
    server.faults.nextResponses(100, { status: 403 });
    server.faults.resetWatches();
    expect(await exitCode(p)).toBe(2);
    expect(p.err()).toMatch(/^pod-printer: forbidden: .*\(403 Forbidden\)/m);
  });

  it('a kubeconfig without the server’s CA: one line naming the server and the CA to check', async () => {
    const { server } = await startServer(3, { tls: true });
    const yaml = server.kubeConfigYaml().replace(/^\s+certificate-authority-data: .*\n/m, '');
    const p = run(['--kubeconfig', writeKubeconfig(yaml), '-o', 'lines']);
    await expectGaveUp(
      p,
      new RegExp(
        `^pod-printer: the server ${server.url} presented a certificate the kubeconfig's CA does not trust \\(unable to verify the first certificate.*\\): check certificate-authority\\(-data\\) of cluster "kubecache-testing"$`,
      ),
    );
  });

  it('http:// naming a TLS port: one line saying to use https://', async () => {
    const { server } = await startServer(3, { tls: true });
    const httpUrl = server.url.replace('https:', 'http:');
    const yaml = server
      .kubeConfigYaml()
      .replace(server.url, httpUrl)
      .replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true');
    const p = run(['--kubeconfig', writeKubeconfig(yaml), '-o', 'lines']);
    await expectGaveUp(
      p,
      new RegExp(
        `^pod-printer: the server ${httpUrl} speaks TLS, not plain HTTP .*: use ${server.url} as server of cluster "kubecache-testing"$`,
      ),
    );
  });

  it('https:// naming a plain-HTTP port: one line saying to use http://', async () => {
    const { server } = await startServer(3);
    const httpsUrl = server.url.replace('http:', 'https:');
    const yaml = server.kubeConfigYaml().replace(server.url, httpsUrl);
    const p = run(['--kubeconfig', writeKubeconfig(yaml), '-o', 'lines']);
    await expectGaveUp(
      p,
      new RegExp(
        `^pod-printer: the server ${httpsUrl} speaks plain HTTP, not TLS .*: use ${server.url} as server of cluster "kubecache-testing"$`,
      ),
    );
  });
});
