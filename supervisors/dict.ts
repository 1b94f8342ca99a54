/**
 * A string-keyed table without a prototype: child ids come from outside (plugin names), and on a
 * plain object `table['constructor']` would find Object's own function instead of nothing.
 */
export function dict<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const table = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) table[key] = value;
  return table;
}
