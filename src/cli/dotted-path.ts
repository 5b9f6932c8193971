/** Reads `a.b.c` from a JSON object; undefined when any step is missing. */
export function getPath(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** Returns a copy of `doc` with `a.b.c` set, creating intermediate objects. */
export function setPath<T>(doc: T, path: string, value: unknown): T {
  const keys = path.split('.');
  if (keys.some((k) => k === '' || FORBIDDEN_KEYS.has(k))) throw new Error(`invalid key path ${JSON.stringify(path)}`);
  const copy = structuredClone(doc) as Record<string, unknown>;
  let node = copy;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
  return copy as T;
}

/** A CLI value: JSON when it parses (numbers, booleans, arrays), else the plain string. */
export function parseCliValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
