// Reading request bodies and writing JSON answers for the in-process API server, including the
// streamed write of a long body with backpressure (a 100k-pod list is never one string).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Status } from '@kubecache/core';
import { decodeProtobufObject } from './protobuf.js';
import { badRequest, failure, ServerApiError } from './status.js';
import type { ResourceStore } from './resources.js';
import { parseYamlBody } from './yaml-body.js';

/** The apiVersion of a resource's objects (`v1`, `example.com/v1`). */
export function apiVersionOf(r: ResourceStore): string {
  return r.def.group === '' ? r.def.version : `${r.def.group}/${r.def.version}`;
}

/** Sends `body` as a JSON answer with a Content-Length. */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends a metav1.Status with its code (and Retry-After when the details carry one). */
export function sendStatus(
  res: ServerResponse,
  status: Status,
  headers: Record<string, string> = {},
): void {
  const retry = status.details?.retryAfterSeconds;
  sendJson(
    res,
    status.code ?? 500,
    status,
    retry !== undefined ? { 'Retry-After': String(retry), ...headers } : headers,
  );
}

/** Sends an already-serialised JSON text (e.g. an object's cached JSON). */
export function sendJsonText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(text);
}

/**
 * 415 Unsupported Media Type for a body in a media type the resource does not take, with
 * kube-apiserver's message (apiserver pkg/endpoints/handlers/negotiation
 * NewUnsupportedMediaTypeError): built-in kinds take JSON, YAML and protobuf; custom resources JSON
 * and YAML. Patch media types (`…+json`) pass through to the patch handler's own check. A protobuf
 * body this server cannot decode faithfully gets its own 415 from the decoder (see protobuf.ts).
 */
export function requireJsonBody(req: IncomingMessage, options: { builtin?: boolean } = {}): void {
  const media = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === '' || media === 'application/json' || media.endsWith('+json')) return;
  // Differs from kube-apiserver (which answers 415): text/plain, what fetch sends for a string
  // body without a Content-Type, is read as JSON, so tests need not set the header.
  if (media === 'text/plain') return;
  if (media === 'application/yaml') return;
  const builtin = options.builtin !== false;
  if (media === 'application/vnd.kubernetes.protobuf' && builtin) return;
  throw new ServerApiError(
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${
        builtin
          ? 'application/json, application/yaml, application/vnd.kubernetes.protobuf'
          : 'application/json, application/yaml'
      }`,
    ),
  );
}

/** Reads and parses a JSON (or YAML, or decodable protobuf) request body; 400 when it does not parse. */
export function readJsonBody(
  req: IncomingMessage,
  options: { optional?: boolean } = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      if ((req.headers['content-type'] ?? '').includes('application/vnd.kubernetes.protobuf')) {
        try {
          resolve(decodeProtobufObject(bytes));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
        return;
      }
      const text = bytes.toString('utf8');
      if (options.optional && text.trim() === '') {
        resolve(undefined);
        return;
      }
      if ((req.headers['content-type'] ?? '').split(';')[0]!.trim() === 'application/yaml') {
        try {
          resolve(parseYamlBody(text));
        } catch (err) {
          reject(
            badRequest(
              `error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`,
            ),
          );
        }
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(badRequest('request body is not valid JSON'));
      }
    });
  });
}

/** Resolves when `res` can take more data (or was closed). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes `pieces` joined by commas, `slice` pieces per write, waiting for `drain` whenever the
 * socket buffer is full. Returns false if the client went away meanwhile.
 */
export async function writeJoined(
  res: ServerResponse,
  pieces: readonly string[],
  slice = 256,
): Promise<boolean> {
  for (let k = 0; k < pieces.length; k += slice) {
    const ok = res.write((k === 0 ? '' : ',') + pieces.slice(k, k + slice).join(','));
    if (!ok) {
      await drained(res);
      if (res.destroyed) return false;
    }
  }
  return true;
}
