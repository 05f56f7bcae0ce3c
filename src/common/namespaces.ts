/**
 * The namespaces this build serves (contract §2): each is one Socket.IO gateway at `/<name>` and one
 * REST scope at `/api/namespaces/<name>`. Anything else is refused (connect error, REST 404).
 */
export const NAMESPACES = ['caps', 'events'] as const;

export type Namespace = (typeof NAMESPACES)[number];

export function isNamespace(name: unknown): name is Namespace {
  return typeof name === 'string' && (NAMESPACES as readonly string[]).includes(name);
}
