// Field selectors as kube-apiserver supports them for the built-in resources
// (k8s.io/apimachinery/pkg/fields), plus label selector reuse from @kubecache/store.
import type { KubeObject } from '@kubecache/core';
import { parseSelector, type LabelSelector } from '@kubecache/store';
import { badRequest } from './status.js';

/** A compiled object filter; `undefined` means "everything". */
export type ObjectFilter = ((obj: KubeObject) => boolean) | undefined;

type FieldGetter = (obj: KubeObject) => string | undefined;

const baseFields: Record<string, FieldGetter> = {
  'metadata.name': (o) => o.metadata?.name,
  'metadata.namespace': (o) => o.metadata?.namespace ?? '',
};

const podFields: Record<string, FieldGetter> = {
  ...baseFields,
  'spec.nodeName': (o) => (o as { spec?: { nodeName?: string } }).spec?.nodeName ?? '',
  'status.phase': (o) => (o as { status?: { phase?: string } }).status?.phase ?? '',
};

/** Parses `labelSelector` and `fieldSelector` query values into one filter. Throws 400 on bad input. */
export function compileFilter(
  resource: string,
  labelSelector: string | null,
  fieldSelector: string | null,
): ObjectFilter {
  let labels: LabelSelector | undefined;
  if (labelSelector) {
    try {
      labels = parseSelector(labelSelector);
    } catch (err) {
      // kube-apiserver answers with the parser's message alone (apimachinery labels.Parse:
      // `unable to parse requirement: …`), never an error class name.
      const detail = err instanceof Error ? err.message : String(err);
      throw badRequest(`unable to parse requirement: ${detail}`);
    }
    if (labels.empty()) labels = undefined;
  }
  const fields: { get: FieldGetter; op: '=' | '!='; value: string }[] = [];
  if (fieldSelector) {
    const known = resource === 'pods' ? podFields : baseFields;
    for (const part of fieldSelector.split(',')) {
      if (part.trim() === '') continue;
      const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
      if (!m) throw badRequest(`invalid field selector: ${JSON.stringify(part)}`);
      const [, field = '', op = '=', value = ''] = m;
      const get = known[field];
      if (!get) {
        throw badRequest(`field label not supported: ${field}`);
      }
      fields.push({ get, op: op === '!=' ? '!=' : '=', value });
    }
  }
  if (!labels && fields.length === 0) return undefined;
  return (obj) => {
    if (labels && !labels.matches(obj.metadata?.labels)) return false;
    for (const f of fields) {
      const v = f.get(obj) ?? '';
      if (f.op === '=' ? v !== f.value : v === f.value) return false;
    }
    return true;
  };
}
