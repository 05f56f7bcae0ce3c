/** Deeper requests are refused: they would only overflow the stack of whatever walks them next. */
export const MAX_DEPTH = 64;

/**
 * What a decoded request holds, walked without recursion: binary attachments, nesting deeper than
 * MAX_DEPTH (the root counts as level 0), or plain JSON. The same rule on sockets and REST.
 */
export function jsonShape(root: unknown): 'binary' | 'deep' | 'json' {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 'binary';
    if (depth >= MAX_DEPTH) return 'deep';
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return 'json';
}
