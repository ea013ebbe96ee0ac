// Request bodies in YAML (`application/yaml`, `application/apply-patch+yaml`) decoded to plain
// JSON values, as kube-apiserver's sigs.k8s.io/yaml YAMLToJSON does: every field kept under its
// own name, whatever the kind.
//
// client-node's `loadYaml` is the only YAML parser this package may use (zero runtime dependencies
// beyond client-node), but it deserializes any document with a built-in apiVersion/kind into
// client-node's typed model: field names become camelCase model names
// (`x-kubernetes-list-type` → `x_kubernetes_list_type`), fields the model lacks are dropped and
// timestamps become Dates. Parsed as the value of a wrapper key, the document has no
// apiVersion/kind at its top and comes back as js-yaml produced it.
import { loadYaml } from '@kubernetes/client-node';

const wrapperKey = '__kubecacheBody';

/**
 * Decodes one YAML (or JSON) document into plain JSON values, field names untouched.
 *
 * A body that is JSON is read with `JSON.parse`. Otherwise the first YAML document is read
 * (a leading `%` directive and `---` are skipped; later documents are ignored, as go-yaml's
 * Unmarshal does).
 *
 * @param text The request body.
 * @returns The decoded value (`null` for an empty document).
 * @throws Error (js-yaml's message) when the text is not YAML.
 */
export function parseYamlBody(text: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  if (/^\s*[[{]/.test(body)) {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      // Flow-style YAML that is not JSON: read below.
    }
  }
  const lines = body.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && /^%/.test(lines[i]!)) i++;
  const first: string[] = [];
  if (i < lines.length && /^---(\s|$)/.test(lines[i]!)) {
    first.push(lines[i]!.slice(3));
    i++;
  }
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^(---|\.\.\.)(\s|$)/.test(line)) break;
    first.push(line);
  }
  const wrapped = `${wrapperKey}:\n${first.map((l) => `  ${l}`).join('\n')}\n`;
  const parsed = loadYaml<Record<string, unknown> | null>(wrapped);
  return parsed?.[wrapperKey] ?? null;
}
