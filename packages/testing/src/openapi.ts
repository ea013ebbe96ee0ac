// OpenAPI documents of the in-process API server, just enough for kubectl's client-side checks
// (`kubectl apply`/`create` validate with `--validate=strict` by default and fail with "failed to
// download openapi" when these answer 404). They carry no schemas: `/openapi/v2` is a Swagger 2.0
// document without paths or definitions (protobuf, as kubectl asks for it, or JSON), so kubectl's
// schema validation finds no schema for a kind and skips it, and no kind advertises the
// `fieldValidation` query parameter (the server does not validate fields). `/openapi/v3` lists one
// document per served group version, each without paths or schemas.
import { createHash } from 'node:crypto';
import type { Cluster } from './cluster.js';
import { emulatedKubernetesVersion } from './version.js';

const info = {
  title: 'Kubernetes (@kubecache/testing, no schemas)',
  version: `v${emulatedKubernetesVersion}.0`,
};

/** The Swagger 2.0 document of `/openapi/v2` as JSON. */
export function openApiV2Json(): unknown {
  return { swagger: '2.0', info, paths: {}, definitions: {} };
}

/** A protobuf length-delimited field (wire type 2) with a one-byte tag. */
function field(num: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([(num << 3) | 2, ...len]), body]);
}

/**
 * The same document as gnostic's `openapi_v2.Document` in protobuf, the encoding kubectl requests
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): swagger = 1, info = 2
 * (title = 1, version = 2), paths = 8, definitions = 9.
 */
export function openApiV2Protobuf(): Buffer {
  return Buffer.concat([
    field(1, Buffer.from('2.0')),
    field(
      2,
      Buffer.concat([field(1, Buffer.from(info.title)), field(2, Buffer.from(info.version))]),
    ),
    field(8, Buffer.alloc(0)),
    field(9, Buffer.alloc(0)),
  ]);
}

/** The group versions the server serves, as OpenAPI v3 paths (`api/v1`, `apis/apps/v1`). */
function groupVersionPaths(cluster: Cluster): string[] {
  const out = new Set<string>();
  for (const r of cluster.all())
    out.add(r.def.group === '' ? `api/${r.def.version}` : `apis/${r.def.group}/${r.def.version}`);
  return [...out].sort();
}

/** The document of one group version at `/openapi/v3/<path>`, or undefined when not served. */
export function openApiV3Document(cluster: Cluster, path: string): unknown {
  if (!groupVersionPaths(cluster).includes(path)) return undefined;
  return { openapi: '3.0.0', info, paths: {}, components: { schemas: {} } };
}

/** The `/openapi/v3` discovery document: one `serverRelativeURL` per group version. */
export function openApiV3Root(cluster: Cluster): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const p of groupVersionPaths(cluster)) {
    const hash = createHash('sha256')
      .update(JSON.stringify(openApiV3Document(cluster, p)))
      .digest('hex')
      .toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}
